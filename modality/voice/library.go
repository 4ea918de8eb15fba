package voice

import (
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"sync"
)

// Speaker is a text-to-speech engine a host plugs in: it turns a phrase
// no prompt records into audio. Speak may be called from many goroutines
// at once and should return within the context; what it returns is
// played as it is, so it should be short.
type Speaker interface {
	Speak(ctx context.Context, text string) (*Audio, error)
}

// maxPromptFile bounds the size of a prompt file read: ten minutes of
// 16-bit audio and its headers.
const maxPromptFile = int64(MaxAudio/1e9)*SampleRate*2 + 1<<16

// Library loads prompts by name from a file system and keeps them
// decoded. Loading happens once per name, on first use; a file that
// cannot be loaded is reported every time it is asked for (and read
// again next time: the host may fix it while running). A Library is safe
// for concurrent use.
type Library struct {
	fsys fs.FS

	mu    sync.Mutex
	cache map[string]*entry
}

type entry struct {
	done  chan struct{}
	audio *Audio
	err   error
}

// NewLibrary returns a library of the prompts in fsys.
func NewLibrary(fsys fs.FS) *Library {
	return &Library{fsys: fsys, cache: make(map[string]*entry)}
}

// Prompt returns the prompt of the file name (an [fs.ValidPath], such as
// "conference/greeting.wav"). A missing file wraps [fs.ErrNotExist]; one
// that is not a prompt wraps a [*FormatError]. Either names the file.
func (l *Library) Prompt(name string) (*Audio, error) {
	l.mu.Lock()
	e, ok := l.cache[name]
	if !ok {
		e = &entry{done: make(chan struct{})}
		l.cache[name] = e
		l.mu.Unlock()
		e.audio, e.err = l.load(name)
		if e.err != nil {
			l.mu.Lock()
			delete(l.cache, name) // tried again next time
			l.mu.Unlock()
		}
		close(e.done)
	} else {
		l.mu.Unlock()
		<-e.done
	}
	return e.audio, e.err
}

func (l *Library) load(name string) (*Audio, error) {
	if !fs.ValidPath(name) {
		return nil, fmt.Errorf("voice: prompt %q: not a valid file name (fs.ValidPath)", name)
	}
	f, err := l.fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("voice: prompt %q: %w", name, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPromptFile+1))
	if err != nil {
		return nil, fmt.Errorf("voice: prompt %q: %w", name, err)
	}
	if int64(len(data)) > maxPromptFile {
		return nil, fmt.Errorf("voice: prompt %q: %w", name, badFormat("file larger than %d bytes", maxPromptFile))
	}
	a, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("voice: prompt %q: %w", name, err)
	}
	return a, nil
}

//go:embed builtin
var builtin embed.FS

// Builtin is the prompt set the built-in templates name, as files such
// as "conference/greeting.wav" (see the package documentation).
var Builtin fs.FS = mustSub(builtin, "builtin")

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return s
}
