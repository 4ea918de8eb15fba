package voice_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/voice"
)

// wav builds a WAV file: a fmt chunk of format, channels, rate and bits,
// extra chunks, then data.
func wav(format, channels uint16, rate uint32, bits uint16, data []byte, extra ...[]byte) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(0)) // fixed below
	b.WriteString("WAVE")
	for _, c := range extra {
		b.Write(c)
	}
	b.WriteString("fmt ")
	binary.Write(&b, binary.LittleEndian, uint32(16))
	blockAlign := channels * bits / 8
	for _, v := range []any{format, channels, rate, rate * uint32(blockAlign), blockAlign, bits} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	out := b.Bytes()
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

func pcm16(samples ...int16) []byte {
	b := make([]byte, 2*len(samples))
	for i, s := range samples {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	return b
}

func TestDecode(t *testing.T) {
	t.Run("16-bit PCM", func(t *testing.T) {
		a, err := voice.Decode(wav(1, 1, 8000, 16, pcm16(make([]int16, 8000)...)))
		require.NoError(t, err)
		assert.Equal(t, time.Second, a.Duration())
		assert.Len(t, a.Encoded(voice.ULaw), 8000)
		assert.Len(t, a.Encoded(voice.ALaw), 8000)
		assert.Equal(t, byte(0xFF), a.Encoded(voice.ULaw)[0], "silence in µ-law")
		assert.Equal(t, byte(0xD5), a.Encoded(voice.ALaw)[0], "silence in A-law")
	})
	t.Run("µ-law, after other chunks", func(t *testing.T) {
		list := append([]byte("LIST"), 3, 0, 0, 0, 'a', 'b', 'c', 0) // odd size, padded
		a, err := voice.Decode(wav(7, 1, 8000, 8, bytes.Repeat([]byte{0xFF}, 1600), list))
		require.NoError(t, err)
		assert.Equal(t, 200*time.Millisecond, a.Duration())
		assert.Equal(t, bytes.Repeat([]byte{0xFF}, 1600), a.Encoded(voice.ULaw), "µ-law in, the same µ-law out")
	})
	t.Run("A-law", func(t *testing.T) {
		a, err := voice.Decode(wav(6, 1, 8000, 8, bytes.Repeat([]byte{0xD5}, 160)))
		require.NoError(t, err)
		assert.Equal(t, bytes.Repeat([]byte{0xD5}, 160), a.Encoded(voice.ALaw))
	})
	t.Run("the same sound either law", func(t *testing.T) {
		tone := make([]int16, 800)
		for i := range tone {
			tone[i] = int16((i%20 - 10) * 1000)
		}
		a := voice.NewAudio(tone)
		u, err := voice.Decode(wav(7, 1, 8000, 8, a.Encoded(voice.ULaw)))
		require.NoError(t, err)
		assert.Equal(t, a.Encoded(voice.ULaw), u.Encoded(voice.ULaw))
	})

	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "not a RIFF/WAVE file"},
		{"mp3", []byte("ID3\x04\x00\x00\x00\x00\x00\x00"), "not a RIFF/WAVE file"},
		{"stereo", wav(1, 2, 8000, 16, nil), "2 channels, want 1 (mono)"},
		{"CD rate", wav(1, 1, 44100, 16, nil), "sample rate 44100 Hz, want 8000"},
		{"espeak's rate", wav(1, 1, 22050, 16, nil), "sample rate 22050 Hz, want 8000"},
		{"8-bit PCM", wav(1, 1, 8000, 8, nil), "8 bits a sample for format 1, want 16"},
		{"float", wav(3, 1, 8000, 32, nil), "sample format 3"},
		{"no data", wav(1, 1, 8000, 16, nil)[:36], "no data chunk"},
		{"data first", []byte("RIFF\x00\x00\x00\x00WAVEdata\x02\x00\x00\x00\x00\x00"), "data chunk before the fmt chunk"},
		{"short fmt", []byte("RIFF\x00\x00\x00\x00WAVEfmt \x04\x00\x00\x00\x01\x00\x01\x00"), "fmt chunk of 4 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := voice.Decode(tc.file)
			var fe *voice.FormatError
			require.ErrorAs(t, err, &fe)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestLibrary(t *testing.T) {
	fsys := fstest.MapFS{
		"en/hello.wav": {Data: wav(1, 1, 8000, 16, pcm16(make([]int16, 1600)...))},
		"en/loud.wav":  {Data: wav(1, 1, 44100, 16, nil)},
	}
	l := voice.NewLibrary(fsys)
	var wg sync.WaitGroup
	got := make([]*voice.Audio, 8)
	for i := range got {
		wg.Go(func() {
			a, err := l.Prompt("en/hello.wav")
			assert.NoError(t, err)
			got[i] = a
		})
	}
	wg.Wait()
	for _, a := range got {
		assert.Same(t, got[0], a, "loaded once, shared")
	}
	assert.Equal(t, 200*time.Millisecond, got[0].Duration())

	_, err := l.Prompt("en/missing.wav")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), `"en/missing.wav"`, "the error names the file")

	_, err = l.Prompt("en/loud.wav")
	var fe *voice.FormatError
	assert.ErrorAs(t, err, &fe)
	assert.Contains(t, err.Error(), `prompt "en/loud.wav": voice: not a prompt: sample rate 44100 Hz`)

	_, err = l.Prompt("../etc/passwd")
	assert.ErrorContains(t, err, "not a valid file name")

	// A file fixed while running is read again.
	fsys["en/loud.wav"] = &fstest.MapFile{Data: wav(1, 1, 8000, 16, pcm16(0, 0))}
	_, err = l.Prompt("en/loud.wav")
	assert.NoError(t, err)
}

// Every file of the built-in set is a prompt a channel can play.
func TestBuiltin(t *testing.T) {
	l := voice.NewLibrary(voice.Builtin)
	n := 0
	require.NoError(t, fs.WalkDir(voice.Builtin, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		a, err := l.Prompt(path)
		if assert.NoError(t, err, path) {
			assert.Greater(t, a.Duration(), 500*time.Millisecond, "%s says something", path)
			assert.Less(t, a.Duration(), 15*time.Second, path)
		}
		n++
		return nil
	}))
	assert.Greater(t, n, 40)

	// Every word of PlaceWords, and the hold music, are in the set.
	for file := range voice.Vocabulary() {
		_, err := l.Prompt(file)
		assert.NoError(t, err, file)
	}
	music, err := l.Prompt(voice.HoldMusic)
	require.NoError(t, err)
	assert.Equal(t, 8*time.Second, music.Duration())

	_, err = l.Prompt("conference/greeting.wav")
	assert.NoError(t, err)
	_, err = l.Prompt("nope.wav")
	assert.True(t, errors.Is(err, fs.ErrNotExist))
}

func FuzzDecode(f *testing.F) {
	f.Add(wav(1, 1, 8000, 16, pcm16(1, 2, 3)))
	f.Add(wav(7, 1, 8000, 8, []byte{1, 2, 3}, append([]byte("LIST"), 1, 0, 0, 0, 'x', 0)))
	f.Add(wav(6, 1, 8000, 8, []byte{0xD5}))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEfmt \xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := voice.Decode(data)
		if err != nil {
			var fe *voice.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode: %v is not a *FormatError", err)
			}
			return
		}
		if len(a.Encoded(voice.ULaw)) != len(a.Encoded(voice.ALaw)) || a.Duration() > voice.MaxAudio {
			t.Fatalf("Decode: inconsistent audio of %d/%d samples", len(a.Encoded(voice.ULaw)), len(a.Encoded(voice.ALaw)))
		}
	})
}

func TestPlaceWords(t *testing.T) {
	w := func(names ...string) []string {
		for i, n := range names {
			names[i] = "common/" + n + ".wav"
		}
		return names
	}
	for _, tc := range []struct {
		position int
		wait     time.Duration
		want     []string
	}{
		{1, 30 * time.Second, w("you-are-number", "number/1", "in-line", "less-than-a-minute")},
		{12, 4 * time.Minute, w("you-are-number", "number/12", "in-line", "expected-wait", "number/4", "minutes")},
		{45, 61 * time.Second, w("you-are-number", "number/40", "number/5", "in-line", "expected-wait", "number/2", "minutes")},
		{20, time.Minute, w("you-are-number", "number/20", "in-line", "expected-wait", "number/1", "minute")},
		{305, 0, w("you-are-number", "number/3", "number/hundred", "number/5", "in-line")},
		{340, 0, w("you-are-number", "number/3", "number/hundred", "number/40", "in-line")},
		{100000, 0, w("you-are-number", "number/9", "number/hundred", "number/90", "number/9", "in-line")},
		{0, 2 * time.Minute, w("expected-wait", "number/2", "minutes")},
		{3, time.Duration(math.MaxInt64), w("you-are-number", "number/3", "in-line")},
	} {
		assert.Equal(t, tc.want, voice.PlaceWords(tc.position, tc.wait), "position %d, wait %s", tc.position, tc.wait)
	}
	for _, file := range voice.PlaceWords(987, 654*time.Minute) {
		_, ok := voice.Vocabulary()[file]
		assert.True(t, ok, "%s is a word of the vocabulary", file)
	}
}
