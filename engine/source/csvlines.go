package source

import (
	"bufio"
	"bytes"
	"io"
)

// lineSource reads physical lines: first the bytes handed back after a
// failed record, then br. Lines end after '\n'; the last line of the input
// may lack it.
type lineSource struct {
	br     *bufio.Reader
	replay []byte // handed back, read before br
	num    int    // number of the last line read
}

// read appends the next line, its line break included, to dst. It reads at
// most limit bytes of the line: complete is false when the line is longer,
// and the rest of it stays unread. err is io.EOF at the end of the input.
func (s *lineSource) read(dst []byte, limit int) (out []byte, complete bool, err error) {
	start := len(dst)
	for {
		b, eol, err := s.chunk()
		if err == io.EOF && len(dst) > start { // the last line, without a line break
			s.num++
			return dst, true, nil
		}
		if err != nil {
			return dst, false, err
		}
		if room := limit - (len(dst) - start); len(b) > room {
			dst = append(dst, b[:max(room, 0)]...)
			s.consume(max(room, 0))
			s.num++
			return dst, false, nil
		}
		dst = append(dst, b...)
		s.consume(len(b))
		if eol {
			s.num++
			return dst, true, nil
		}
	}
}

// skipLine discards the rest of the current line.
func (s *lineSource) skipLine() error {
	for {
		b, eol, err := s.chunk()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		s.consume(len(b))
		if eol {
			return nil
		}
	}
}

// chunk returns the next bytes of the current line without consuming them:
// up to its line break when eol, else as many as are buffered.
func (s *lineSource) chunk() (b []byte, eol bool, err error) {
	b = s.replay
	if len(b) == 0 {
		if s.br.Buffered() == 0 {
			if _, err := s.br.Peek(1); err != nil {
				return nil, false, err
			}
		}
		b, _ = s.br.Peek(s.br.Buffered())
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i+1], true, nil
	}
	return b, false, nil
}

// consume drops n bytes returned by chunk.
func (s *lineSource) consume(n int) {
	if len(s.replay) > 0 {
		s.replay = s.replay[n:]
		return
	}
	s.br.Discard(n)
}

// handBack makes b (the lines after a failed record's first line) the next
// bytes to read, again from line number line+1.
func (s *lineSource) handBack(b []byte, line int) {
	replay := make([]byte, 0, len(b)+len(s.replay))
	s.replay = append(append(replay, b...), s.replay...)
	s.num = line
}
