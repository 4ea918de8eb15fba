package voice

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/emiago/diago/audio"
)

// SampleRate is the rate of every [Audio]: the telephone network's.
const SampleRate = 8000

// FrameSamples is the samples of one 20 ms frame, the packet size a
// channel sends.
const FrameSamples = SampleRate / 50

// MaxAudio is the longest audio [Decode] accepts, so that a wrong file
// cannot take the process's memory: ten minutes.
const MaxAudio = 10 * time.Minute

// Law is a G.711 companding law, the payload of RTP payload types 0
// (µ-law, PCMU) and 8 (A-law, PCMA).
type Law uint8

const (
	ULaw Law = iota // PCMU
	ALaw            // PCMA
)

func (l Law) String() string {
	if l == ALaw {
		return "PCMA"
	}
	return "PCMU"
}

// Audio is mono audio at [SampleRate], encoded once for either law. It is
// immutable and safe to share between goroutines and calls.
type Audio struct {
	samples int
	ulaw    []byte
	alaw    []byte
}

// NewAudio returns the audio of 16-bit linear samples at [SampleRate]
// (what a [Speaker] produces). It copies nothing it keeps: pcm may be
// reused.
func NewAudio(pcm []int16) *Audio {
	lpcm := make([]byte, 2*len(pcm))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(lpcm[2*i:], uint16(s))
	}
	return fromLPCM(lpcm)
}

func fromLPCM(lpcm []byte) *Audio {
	a := &Audio{samples: len(lpcm) / 2, ulaw: make([]byte, len(lpcm)/2), alaw: make([]byte, len(lpcm)/2)}
	// Cannot fail: the buffers are the right size.
	_, _ = audio.EncodeUlawTo(a.ulaw, lpcm[:2*a.samples])
	_, _ = audio.EncodeAlawTo(a.alaw, lpcm[:2*a.samples])
	return a
}

// Duration is how long the audio plays.
func (a *Audio) Duration() time.Duration {
	return time.Duration(a.samples) * time.Second / SampleRate
}

// Encoded is the whole audio in law, one byte a sample: frame i is
// Encoded(law)[i*FrameSamples:(i+1)*FrameSamples], the last one possibly
// shorter. It must not be modified.
func (a *Audio) Encoded(law Law) []byte {
	if law == ALaw {
		return a.alaw
	}
	return a.ulaw
}

// FormatError is a file [Decode] cannot take as audio, and why.
type FormatError struct {
	Problem string // what is wrong, as "sample rate 22050 Hz, want 8000"
}

func (e *FormatError) Error() string { return "voice: not a prompt: " + e.Problem }

func badFormat(format string, args ...any) error {
	return &FormatError{Problem: fmt.Sprintf(format, args...)}
}

// WAVE format codes.
const (
	wavePCM        = 1
	waveALaw       = 6
	waveULaw       = 7
	waveExtensible = 0xFFFE
)

// Decode reads a WAV file: RIFF/WAVE, mono, 8,000 samples a second, as
// 16-bit linear PCM, G.711 µ-law or G.711 A-law (format codes 1, 7 and
// 6, or the same as WAVE_FORMAT_EXTENSIBLE), at most [MaxAudio] long.
// Chunks other than "fmt " and "data" are skipped. Anything else is a
// [*FormatError] that says what the file is instead.
func Decode(data []byte) (*Audio, error) {
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return nil, badFormat("not a RIFF/WAVE file")
	}
	var (
		format  uint16
		haveFmt bool
	)
	for rest := data[12:]; ; {
		if len(rest) < 8 {
			return nil, badFormat("no data chunk")
		}
		id, size := string(rest[:4]), binary.LittleEndian.Uint32(rest[4:8])
		rest = rest[8:]
		body := rest
		if uint64(size) < uint64(len(body)) {
			body = body[:size]
		}
		switch id {
		case "fmt ":
			if len(body) < 16 {
				return nil, badFormat("fmt chunk of %d bytes, want at least 16", len(body))
			}
			f, err := checkFormat(body)
			if err != nil {
				return nil, err
			}
			format, haveFmt = f, true
		case "data":
			if !haveFmt {
				return nil, badFormat("data chunk before the fmt chunk")
			}
			// A data chunk cut short (a file still being written, a
			// streamed WAV with size 0xFFFFFFFF) plays what it has.
			return decodeData(format, body)
		}
		skip := uint64(size) + uint64(size&1) // chunks are padded to an even size
		if skip >= uint64(len(rest)) {
			return nil, badFormat("no data chunk")
		}
		rest = rest[skip:]
	}
}

// checkFormat reads a fmt chunk and returns its sample format.
func checkFormat(b []byte) (uint16, error) {
	format := binary.LittleEndian.Uint16(b[0:2])
	channels := binary.LittleEndian.Uint16(b[2:4])
	rate := binary.LittleEndian.Uint32(b[4:8])
	bits := binary.LittleEndian.Uint16(b[14:16])
	if format == waveExtensible {
		if len(b) < 26 {
			return 0, badFormat("WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes, want at least 26", len(b))
		}
		format = binary.LittleEndian.Uint16(b[24:26]) // the sub-format GUID's first two bytes
	}
	var want uint16
	switch format {
	case wavePCM:
		want = 16
	case waveULaw, waveALaw:
		want = 8
	default:
		return 0, badFormat("sample format %d, want 16-bit PCM (1), µ-law (7) or A-law (6)", format)
	}
	switch {
	case channels != 1:
		return 0, badFormat("%d channels, want 1 (mono)", channels)
	case rate != SampleRate:
		return 0, badFormat("sample rate %d Hz, want %d", rate, SampleRate)
	case bits != want:
		return 0, badFormat("%d bits a sample for format %d, want %d", bits, format, want)
	}
	return format, nil
}

func decodeData(format uint16, b []byte) (*Audio, error) {
	max := int(MaxAudio / time.Second * SampleRate)
	switch format {
	case wavePCM:
		if len(b)/2 > max {
			return nil, badFormat("%s of audio, longer than %s", time.Duration(len(b)/2)*time.Second/SampleRate, MaxAudio)
		}
		return fromLPCM(b[:len(b)&^1]), nil
	default: // a law: decode to linear once, then encode both laws
		if len(b) > max {
			return nil, badFormat("%s of audio, longer than %s", time.Duration(len(b))*time.Second/SampleRate, MaxAudio)
		}
		lpcm := make([]byte, 2*len(b))
		if format == waveULaw {
			_, _ = audio.DecodeUlawTo(lpcm, b)
		} else {
			_, _ = audio.DecodeAlawTo(lpcm, b)
		}
		return fromLPCM(lpcm), nil
	}
}
