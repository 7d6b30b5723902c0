//go:build unix

package session

import (
	"os"
	"os/signal"
	"syscall"
)

// handleSignals stops the capture on SIGINT and SIGTERM, reports the
// counters on SIGUSR1 and flushes the output on SIGUSR2, until done is
// closed or the returned function is called.
func (s *session) handleSignals(done <-chan struct{}) (stop func()) {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1, syscall.SIGUSR2)
	quit := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-quit:
				return
			case sig := <-sigs:
				switch sig {
				case syscall.SIGUSR1:
					s.info()
				case syscall.SIGUSR2:
					s.flush()
				default:
					s.h.Stop()
				}
			}
		}
	}()
	return func() { signal.Stop(sigs); close(quit) }
}
