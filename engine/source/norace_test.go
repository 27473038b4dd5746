package source

// raceEnabled is true in -race builds (see race_test.go).
var raceEnabled = false
