package testnote

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
)

type closer struct{ *bytes.Buffer }

func (closer) Close() error { return nil }

func TestPrint(t *testing.T) {
	noTTY := func() (io.WriteCloser, error) { return nil, errors.New("no controlling terminal") }
	for _, c := range []struct {
		name           string
		verbose, tty   bool
		wantTTY, wantE string
	}{
		{"terminal", false, true, "note\n", ""},
		{"terminal, -v", true, true, "", "note\n"},
		{"no terminal", false, false, "", "note\n"},
		{"no terminal, -v", true, false, "", "note\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var tty, stderr bytes.Buffer
			open := noTTY
			if c.tty {
				open = func() (io.WriteCloser, error) { return closer{&tty}, nil }
			}
			write("note", c.verbose, open, &stderr)
			assert.Equal(t, c.wantTTY, tty.String(), "written to the terminal")
			assert.Equal(t, c.wantE, stderr.String(), "written to stderr")
		})
	}
}
