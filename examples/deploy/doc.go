// Package deploy holds no code: its tests check the deployment examples in
// this directory (a Kubernetes CronJob, systemd units, a GitHub Actions
// workflow). They are minimal structural checks of the fields Kubernetes,
// systemd and GitHub Actions read, written by hand: no JSON Schema of those
// formats is vendored.
package deploy
