//go:build race

package pii

// raceDetector is true in builds with the race detector, whose
// instrumentation allocates, so allocation counts are not checked there.
const raceDetector = true
