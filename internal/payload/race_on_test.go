//go:build race

package payload

// raceDetector is true in builds with the race detector, whose
// instrumentation allocates, so allocation counts are not checked there.
const raceDetector = true
