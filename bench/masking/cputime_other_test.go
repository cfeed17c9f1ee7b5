//go:build !unix

package masking

import "time"

// processCPUTime returns 0: CPU time is read only on Unix systems, and the
// benchmarks then report wall time alone.
func processCPUTime() time.Duration { return 0 }
