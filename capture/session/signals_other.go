//go:build !unix

package session

import (
	"os"
	"os/signal"
)

// handleSignals stops the capture on an interrupt (systems without
// SIGUSR1/SIGUSR2 have no counter report or flush signal).
func (s *session) handleSignals(done <-chan struct{}) (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	quit := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-quit:
		case <-sigs:
			s.h.Stop()
		}
	}()
	return func() { signal.Stop(sigs); close(quit) }
}
