// Command genprompts records the built-in prompt set (voice.Builtin):
// every prompt the built-in templates name and every word of
// voice.PlaceWords, spoken by espeak-ng and converted by SoX to 8 kHz
// mono G.711 µ-law WAV, and the hold music (voice.HoldMusic),
// synthesised by SoX. Run it from the
// repository's root after changing a built-in template's receptionist:
//
//	apt-get install espeak-ng sox
//	go run ./modality/voice/internal/genprompts
//
// It writes modality/voice/builtin/<file> for each file named, and
// removes nothing. SoX runs without dither (-D), so a run with the same
// espeak-ng and SoX writes the same bytes.
package main

import (
	"flag"
	"fmt"
	"log"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/voice"
	"github.com/eventcc/eventcc/template"
)

func main() {
	out := flag.String("out", "modality/voice/builtin", "where the prompt files go")
	speaker := flag.String("voice", "en-us", "espeak-ng's voice")
	flag.Parse()
	tmp, err := os.MkdirTemp("", "genprompts")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)

	done := map[string]string{} // file -> text, to say a shared file once and catch conflicts
	for _, file := range slices.Sorted(maps.Keys(voice.Vocabulary())) {
		text := voice.Vocabulary()[file]
		done[file] = text
		if err := record(*speaker, tmp, text, filepath.Join(*out, filepath.FromSlash(file))); err != nil {
			log.Fatalf("%s: %v", file, err)
		}
		fmt.Printf("%s\t%s\n", file, text)
	}
	if err := music(filepath.Join(*out, filepath.FromSlash(voice.HoldMusic))); err != nil {
		log.Fatalf("hold music: %v", err)
	}
	cat := template.Builtin()
	for _, name := range cat.Names() {
		t, err := cat.Lookup(name)
		if err != nil {
			log.Fatal(err)
		}
		r := t.Receptionist.Modality()
		if r == nil {
			continue
		}
		for _, role := range slices.Sorted(func(yield func(string) bool) {
			for k := range r.Prompts {
				if !yield(k) {
					return
				}
			}
		}) {
			file, text := r.Prompts[role], spoken(r, role)
			if prev, ok := done[file]; ok {
				if prev != text {
					log.Fatalf("%s: %s is %q here and %q elsewhere", name, file, text, prev)
				}
				continue
			}
			done[file] = text
			if err := record(*speaker, tmp, text, filepath.Join(*out, filepath.FromSlash(file))); err != nil {
				log.Fatalf("%s: %s: %v", name, role, err)
			}
			fmt.Printf("%s\t%s\n", file, text)
		}
	}
}

// spoken is what a caller hears for role: the receptionist's own text,
// and for a menu line "For <label>, press <key>."
func spoken(r *modality.Receptionist, role string) string {
	kind, key, _ := strings.Cut(role, ".")
	switch role {
	case modality.PromptGreeting:
		return r.Greeting
	case modality.PromptClosed:
		return r.ClosedMessage
	case modality.PromptFallback:
		return r.Fallback
	case modality.PromptConnecting, modality.PromptNotUnderstood:
		for _, o := range r.Options {
			rep := r.Respond(o.Key)
			if role == modality.PromptConnecting && rep.Queue != "" {
				return rep.Says[0].Text
			}
		}
		if role == modality.PromptNotUnderstood {
			return r.Respond("\x00").Says[0].Text
		}
	}
	for _, o := range r.Options {
		if strings.ToLower(strings.TrimSpace(o.Key)) != key {
			continue
		}
		if kind == "answer" {
			return o.Answer
		}
		return fmt.Sprintf("For %s, press %s.", o.Label, strings.TrimSpace(o.Key))
	}
	log.Fatalf("no text for prompt role %q", role)
	return ""
}

// music synthesises the hold music: eight seconds of a soft major chord
// that swells and fades, looped while a caller waits.
func music(dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	args := []string{"-D", "-n", "-r", "8000", "-c", "1", "-e", "u-law", dst,
		"synth", "8", "sine", "261.6", "sine", "329.6", "sine", "392.0", "remix", "-",
		"tremolo", "0.25", "60", "fade", "q", "1", "8", "1", "norm", "-12"}
	if out, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("sox: %v: %s", err, out)
	}
	return nil
}

func record(voice, tmp, text, dst string) error {
	raw := filepath.Join(tmp, "raw.wav")
	if out, err := exec.Command("espeak-ng", "-v", voice, "-s", "165", "-w", raw, text).CombinedOutput(); err != nil {
		return fmt.Errorf("espeak-ng: %v: %s", err, out)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if out, err := exec.Command("sox", "-D", raw, "-r", "8000", "-c", "1", "-e", "u-law", dst, "norm", "-3").CombinedOutput(); err != nil {
		return fmt.Errorf("sox: %v: %s", err, out)
	}
	return nil
}
