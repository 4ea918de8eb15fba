// Command genprompts records the built-in prompt set (voice.Builtin):
// every prompt the built-in templates name, spoken by espeak-ng and
// converted by SoX to 8 kHz mono G.711 µ-law WAV. Run it from the
// repository's root after changing a built-in template's receptionist:
//
//	apt-get install espeak-ng sox
//	go run ./modality/voice/internal/genprompts
//
// It writes modality/voice/builtin/<file> for each file named, and
// removes nothing.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/template"
)

func main() {
	out := flag.String("out", "modality/voice/builtin", "where the prompt files go")
	voice := flag.String("voice", "en-us", "espeak-ng's voice")
	flag.Parse()
	tmp, err := os.MkdirTemp("", "genprompts")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)

	done := map[string]string{} // file -> text, to say a shared file once and catch conflicts
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
			if err := record(*voice, tmp, text, filepath.Join(*out, filepath.FromSlash(file))); err != nil {
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

func record(voice, tmp, text, dst string) error {
	raw := filepath.Join(tmp, "raw.wav")
	if out, err := exec.Command("espeak-ng", "-v", voice, "-s", "165", "-w", raw, text).CombinedOutput(); err != nil {
		return fmt.Errorf("espeak-ng: %v: %s", err, out)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if out, err := exec.Command("sox", raw, "-r", "8000", "-c", "1", "-e", "u-law", dst, "norm", "-3").CombinedOutput(); err != nil {
		return fmt.Errorf("sox: %v: %s", err, out)
	}
	return nil
}
