//go:build !race

package genaiprocessor

const raceDetector = false
