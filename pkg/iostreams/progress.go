package iostreams

import (
	"fmt"
	"sync"
	"time"
)

// PlainProgressInterval is how often a non-terminal gets a progress line:
// CI logs stay readable and still show the job is alive.
const PlainProgressInterval = 10 * time.Second

// Progress draws a status line on stderr while work runs: redrawn in place on
// a terminal, one plain line every PlainProgressInterval otherwise (never a
// carriage return in a log), nothing when quiet.
type Progress struct {
	s     *IOStreams
	line  func() string
	stop  chan struct{}
	done  chan struct{}
	mu    sync.Mutex
	drawn bool
}

// StartProgress begins drawing line() until Stop.
func (s *IOStreams) StartProgress(line func() string) *Progress {
	p := &Progress{s: s, line: line, stop: make(chan struct{}), done: make(chan struct{})}
	if s.quiet {
		close(p.done)
		return p
	}
	interval := PlainProgressInterval
	if s.stderrTTY {
		interval = 200 * time.Millisecond
	}
	go func() {
		defer close(p.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.draw()
			}
		}
	}()
	return p
}

func (p *Progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	text := p.line()
	if p.s.stderrTTY {
		width := p.s.TerminalWidth() - 1
		if r := []rune(text); len(r) > width && width > 0 {
			text = string(r[:width])
		}
		fmt.Fprintf(p.s.ErrOut, "\r\x1b[K%s", text)
		p.drawn = true
		return
	}
	fmt.Fprintln(p.s.ErrOut, text)
}

// Stop ends the drawing and clears a live line, so the summary starts clean.
func (p *Progress) Stop() {
	select {
	case <-p.stop:
	default:
		if !p.s.quiet {
			close(p.stop)
		}
	}
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.s.ErrOut, "\r\x1b[K")
		p.drawn = false
	}
}

// Bar renders a text progress bar of width cells for done out of total.
func Bar(done, total, width int) string {
	if total <= 0 || width <= 0 {
		return ""
	}
	filled := done * width / total
	if filled > width {
		filled = width
	}
	b := make([]rune, width)
	for i := range b {
		switch {
		case i < filled:
			b[i] = '█'
		default:
			b[i] = '░'
		}
	}
	return string(b)
}
