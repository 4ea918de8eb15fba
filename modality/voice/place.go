package voice

import (
	"strconv"
	"time"
)

// The built-in set's words for telling a caller their place in line
// ([PlaceWords]), and its hold music. A host's own prompt files may
// replace any of them by holding a file of the same name.
const (
	HoldMusic       = "common/hold.wav"
	wordYouAre      = "common/you-are-number.wav"
	wordInLine      = "common/in-line.wav"
	wordWaitIs      = "common/expected-wait.wav"
	wordMinute      = "common/minute.wav"
	wordMinutes     = "common/minutes.wav"
	wordUnderMinute = "common/less-than-a-minute.wav"
	wordHundred     = "common/number/hundred.wav"
)

// MaxPlace is the largest position [PlaceWords] says as a number;
// beyond it, it says MaxPlace.
const MaxPlace = 999

// PlaceWords is what a caller waiting in line hears, as the prompt files
// to play in order: "You are number 12 in line. Your expected wait is
// about 4 minutes." The wait is rounded up to whole minutes ("less than a
// minute" under one); a wait of 0 or of more than a day (no agent to
// serve the line) is left out, as is a position under 1.
func PlaceWords(position int, wait time.Duration) []string {
	var w []string
	if position >= 1 {
		w = append(w, wordYouAre)
		w = appendNumber(w, min(position, MaxPlace))
		w = append(w, wordInLine)
	}
	switch {
	case wait <= 0 || wait > 24*time.Hour:
	case wait < time.Minute:
		w = append(w, wordUnderMinute)
	default:
		m := int((wait + time.Minute - 1) / time.Minute)
		w = append(w, wordWaitIs)
		w = appendNumber(w, min(m, MaxPlace))
		if m == 1 {
			w = append(w, wordMinute)
		} else {
			w = append(w, wordMinutes)
		}
	}
	return w
}

// appendNumber appends the words of n, 0 to 999: "3 hundred 40 5".
func appendNumber(w []string, n int) []string {
	if n >= 100 {
		w = append(w, numberWord(n/100), wordHundred)
		if n %= 100; n == 0 {
			return w
		}
	}
	if n >= 20 {
		w = append(w, numberWord(n/10*10))
		if n %= 10; n == 0 {
			return w
		}
	}
	return append(w, numberWord(n))
}

func numberWord(n int) string { return "common/number/" + strconv.Itoa(n) + ".wav" }

// Vocabulary is every word file [PlaceWords] may name, with what it says
// (the built-in set was recorded from it).
func Vocabulary() map[string]string {
	v := map[string]string{
		wordYouAre:      "You are number",
		wordInLine:      "in line.",
		wordWaitIs:      "Your expected wait is about",
		wordMinute:      "minute.",
		wordMinutes:     "minutes.",
		wordUnderMinute: "Your expected wait is less than a minute.",
		wordHundred:     "hundred",
	}
	for n := range 20 {
		v[numberWord(n)] = strconv.Itoa(n)
	}
	for n := 20; n < 100; n += 10 {
		v[numberWord(n)] = strconv.Itoa(n)
	}
	return v
}
