//go:build unix

package masking

import (
	"syscall"
	"time"
)

// processCPUTime returns the user and system CPU time the process has used,
// garbage collection workers included. It returns 0 when the kernel does
// not report it.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
