//go:build race

package genaiprocessor

// raceDetector is true in builds with the race detector, whose
// instrumentation allocates, so allocation counts are not checked there.
const raceDetector = true
