//go:build race

package source

func init() { raceEnabled = true }
