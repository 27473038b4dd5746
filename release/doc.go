// Package release holds no code: its tests check orosync's release artefacts
// from the outside, the way a release builds them. They build the binary with
// the release flags and check its version, cross-compile it for every
// released platform, check that the container image's binary is static and
// runs in an empty root, and check .goreleaser.yaml and the Dockerfile
// against the variables and properties they must name.
//
// GoReleaser and Docker cannot run offline, so these tests check what can be
// checked without them; see the README's "Install" section.
package release
