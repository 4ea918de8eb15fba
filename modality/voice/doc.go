// Package voice is what a caller hears: prompts recorded as WAV files,
// decoded once and sent as 20 ms G.711 frames, the built-in prompt set
// the built-in templates name, and the interface of a text-to-speech
// engine a host may plug in for what no prompt covers.
//
// # Prompts
//
// A template's receptionist names a WAV file for each thing it says
// (template.Receptionist.Prompts: "greeting" → "conference/greeting.wav").
// A [Library] loads those files from an [fs.FS] the host supplies (a
// directory with os.DirFS, an embed.FS, or [Builtin]) on first use and
// keeps them decoded. A prompt file must be RIFF/WAVE, mono, 8,000
// samples a second, as 16-bit linear PCM, G.711 µ-law or G.711 A-law:
// the rate and codecs of the telephone network, so nothing is resampled
// while a caller waits. [Decode] says exactly what a file that is not so
// is instead. Convert others once, for example with SoX:
//
//	sox in.wav -r 8000 -c 1 -e u-law prompt.wav
//
// # The built-in set
//
// [Builtin] holds the prompts of the built-in templates (conference,
// concert, trade show, sports, hybrid), spoken by espeak-ng and
// converted with SoX by `go run ./modality/voice/internal/genprompts`,
// which reads the templates and writes one file per phrase they name.
// They are a default that works out of the box, not a recording studio:
// a host replaces them by naming its own files in its template and
// supplying its own fs.FS.
//
// # Text to speech
//
// A [Speaker] turns text into audio for phrases without a prompt (a
// template's own greeting that no file records, a queue position). None
// is required: without one, a phrase without a prompt is skipped and the
// caller hears the next one.
package voice
