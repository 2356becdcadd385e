package natsserver

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// logger adapts Options.Log to the server's Logger interface: one timestamped line per entry,
// serialised because the server logs from many goroutines.
type logger struct {
	mu      sync.Mutex
	w       io.Writer
	verbose bool
}

func (l *logger) line(level, format string, v []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "%s [nats %s] %s\n", time.Now().Format("2006-01-02 15:04:05.000"), level, fmt.Sprintf(format, v...))
}

func (l *logger) Noticef(format string, v ...any) {
	if l.verbose {
		l.line("INF", format, v)
	}
}
func (l *logger) Warnf(format string, v ...any)  { l.line("WRN", format, v) }
func (l *logger) Fatalf(format string, v ...any) { l.line("FTL", format, v) }
func (l *logger) Errorf(format string, v ...any) { l.line("ERR", format, v) }
func (l *logger) Debugf(string, ...any)          {}
func (l *logger) Tracef(string, ...any)          {}
