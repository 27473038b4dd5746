package mappings

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of the version 1 mapping format,
// for editors (yaml-language-server) and tools. Load does not use it: its
// own checks are stricter and positioned.
//
//go:embed schema.json
var Schema []byte
