package sim

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Header is the header line a trace file starts with (after any comment
// lines), naming its columns in order.
const Header = "start_seconds,interval_seconds,modality,arrivals,aht_seconds,patience_seconds"

// columns are the trace file's columns, in order.
var columns = strings.Split(Header, ",")

// maxSeconds bounds every time in a trace file: 100 years, which a
// time.Duration holds.
const maxSeconds = 100 * 365 * 24 * 3600

// Interval is one row of a trace: the traffic of one modality over one
// interval of the event.
type Interval struct {
	Start    time.Duration // from the start of the trace, >= 0
	Length   time.Duration // > 0
	Modality string        // the modality's kind, as in scaling.Modality.Kind
	// Arrivals is the expected number of arrivals in the interval,
	// >= 0. The simulator draws them as a Poisson process at rate
	// Arrivals/Length.
	Arrivals   float64
	HandleTime time.Duration // mean handle time, > 0
	Patience   time.Duration // mean patience; 0: nobody abandons
}

// End returns the end of the interval.
func (iv Interval) End() time.Duration { return iv.Start + iv.Length }

// Trace is an event's traffic, one Interval per modality and period. The
// intervals of one modality never overlap; there may be gaps (no
// traffic) and modalities may use different periods.
type Trace []Interval

// End returns the end of the trace's last interval.
func (t Trace) End() time.Duration {
	var end time.Duration
	for _, iv := range t {
		end = max(end, iv.End())
	}
	return end
}

// Modalities returns the kinds of the trace's modalities, in order of
// first appearance.
func (t Trace) Modalities() []string {
	var kinds []string
	for _, iv := range t {
		if !slices.Contains(kinds, iv.Modality) {
			kinds = append(kinds, iv.Modality)
		}
	}
	return kinds
}

// ParseError is a problem in a trace file, at a line and a column
// (both counted from 1; the column is the field's position in the
// record, 0 when the problem concerns the whole line, such as a CSV
// quoting error, whose message then gives the character).
type ParseError struct {
	Line   int
	Column int
	Field  string // the column's name, when known
	Err    error
}

func (e *ParseError) Error() string {
	switch {
	case e.Column == 0:
		return fmt.Sprintf("sim: trace line %d: %v", e.Line, e.Err)
	case e.Field != "":
		return fmt.Sprintf("sim: trace line %d, column %d (%s): %v", e.Line, e.Column, e.Field, e.Err)
	default:
		return fmt.Sprintf("sim: trace line %d, column %d: %v", e.Line, e.Column, e.Err)
	}
}

func (e *ParseError) Unwrap() error { return e.Err }

// ErrEmpty means a trace has no interval.
var ErrEmpty = errors.New("sim: trace has no interval")

// ReadTrace reads a trace in CSV: lines starting with # are comments; the
// first other line is the [Header]; each following line is one
// [Interval]:
//
//	start_seconds,interval_seconds,modality,arrivals,aht_seconds,patience_seconds
//	0,900,telephony,42,240,180
//	0,900,chat,30,360,
//
// Times are in seconds (decimals allowed, below 100 years); arrivals is
// a number >= 0; an empty patience_seconds means nobody abandons, a
// given one must be > 0. The intervals of one modality must not overlap.
//
// A malformed file gives a *[ParseError] naming the line and the column
// at fault; a file with no interval gives [ErrEmpty]. ReadTrace reads r
// to its end or the first error.
func ReadTrace(r io.Reader) (Trace, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1 // checked here, with the line number
	cr.ReuseRecord = true
	var t Trace
	header := false
	lastEnd := map[string]time.Duration{} // the latest end of each modality's intervals
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) { // a CSV syntax error: pe.Column counts characters
				return nil, &ParseError{Line: pe.Line, Err: fmt.Errorf("character %d: %w", pe.Column, pe.Err)}
			}
			return nil, fmt.Errorf("sim: reading trace: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if !header {
			if err := checkHeader(rec); err != nil {
				err.Line = line
				return nil, err
			}
			header = true
			continue
		}
		iv, perr := parseRecord(rec)
		if perr != nil {
			perr.Line = line
			return nil, perr
		}
		if end, ok := lastEnd[iv.Modality]; ok && iv.Start < end {
			// Out of order is fine; overlap is not.
			for _, o := range t {
				if o.Modality == iv.Modality && iv.Start < o.End() && o.Start < iv.End() {
					return nil, &ParseError{Line: line, Column: 1, Field: columns[0],
						Err: fmt.Errorf("interval [%v, %v) of %s overlaps [%v, %v)", iv.Start, iv.End(), iv.Modality, o.Start, o.End())}
				}
			}
		}
		lastEnd[iv.Modality] = max(lastEnd[iv.Modality], iv.End())
		t = append(t, iv)
	}
	if !header {
		return nil, &ParseError{Line: 1, Err: fmt.Errorf("missing header %q", Header)}
	}
	if len(t) == 0 {
		return nil, ErrEmpty
	}
	return t, nil
}

// checkHeader checks the header record.
func checkHeader(rec []string) *ParseError {
	for i, want := range columns {
		if i >= len(rec) {
			return &ParseError{Column: i + 1, Field: want, Err: fmt.Errorf("header has %d columns; want %q", len(rec), Header)}
		}
		if got := strings.TrimSpace(rec[i]); got != want {
			return &ParseError{Column: i + 1, Field: want, Err: fmt.Errorf("header column %q; want %q (header %q)", got, want, Header)}
		}
	}
	if len(rec) > len(columns) {
		return &ParseError{Column: len(columns) + 1, Err: fmt.Errorf("header has %d columns; want %q", len(rec), Header)}
	}
	return nil
}

// parseRecord parses one interval; the error's Line is left to the
// caller.
func parseRecord(rec []string) (Interval, *ParseError) {
	if len(rec) != len(columns) {
		col := min(len(rec), len(columns)) + 1
		if len(rec) > len(columns) {
			col = len(columns) + 1
		}
		return Interval{}, &ParseError{Column: col, Err: fmt.Errorf("%d fields; want %d (%s)", len(rec), len(columns), Header)}
	}
	bad := func(col int, format string, args ...any) *ParseError {
		return &ParseError{Column: col + 1, Field: columns[col], Err: fmt.Errorf(format, args...)}
	}
	number := func(col int) (float64, *ParseError) {
		s := strings.TrimSpace(rec[col])
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, bad(col, "%q is not a finite number", s)
		}
		return v, nil
	}
	secs := func(col int, positive bool) (time.Duration, *ParseError) {
		v, err := number(col)
		if err != nil {
			return 0, err
		}
		switch {
		case v < 0 || (positive && v == 0):
			return 0, bad(col, "%v seconds; want a number %s 0", v, map[bool]string{true: ">", false: ">="}[positive])
		case v >= maxSeconds:
			return 0, bad(col, "%v seconds; want less than %d (100 years)", v, maxSeconds)
		}
		d := time.Duration(math.Round(v * 1e9))
		if positive && d <= 0 {
			return 0, bad(col, "%v seconds rounds to 0ns; want > 0", v)
		}
		return d, nil
	}
	var iv Interval
	var err *ParseError
	if iv.Start, err = secs(0, false); err != nil {
		return iv, err
	}
	if iv.Length, err = secs(1, true); err != nil {
		return iv, err
	}
	if iv.Start+iv.Length > maxSeconds*time.Second {
		return iv, bad(1, "interval ends after 100 years")
	}
	iv.Modality = strings.TrimSpace(rec[2])
	if iv.Modality == "" {
		return iv, bad(2, "empty modality")
	}
	for _, r := range iv.Modality {
		if !(r == '-' || r == '_' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) {
			return iv, bad(2, "modality %q: want letters, digits, '-', '_' or '.'", iv.Modality)
		}
	}
	if iv.Arrivals, err = number(3); err != nil {
		return iv, err
	}
	if iv.Arrivals < 0 || iv.Arrivals > maxArrivalsPerInterval {
		return iv, bad(3, "%v arrivals; want a number in [0, %g]", iv.Arrivals, float64(maxArrivalsPerInterval))
	}
	if iv.HandleTime, err = secs(4, true); err != nil {
		return iv, err
	}
	if strings.TrimSpace(rec[5]) != "" {
		if iv.Patience, err = secs(5, true); err != nil {
			return iv, err
		}
	}
	return iv, nil
}

// maxArrivalsPerInterval bounds one interval's arrivals in a trace
// file; Config.MaxArrivals bounds a whole run.
const maxArrivalsPerInterval = 1e9

// WriteTrace writes t in the format ReadTrace reads, after the comment
// lines in comments (each prefixed with "# "). Times are written in
// seconds, exactly: ReadTrace returns t unchanged when its times are
// whole milliseconds.
func WriteTrace(w io.Writer, t Trace, comments ...string) error {
	var b strings.Builder
	for _, c := range comments {
		for l := range strings.SplitSeq(c, "\n") {
			b.WriteString(strings.TrimRight("# "+l, " ") + "\n")
		}
	}
	b.WriteString(Header + "\n")
	secs := func(d time.Duration) string {
		s := strconv.FormatInt(int64(d/time.Second), 10)
		if ns := d % time.Second; ns != 0 {
			s += strings.TrimRight(fmt.Sprintf(".%09d", ns), "0")
		}
		return s
	}
	for _, iv := range t {
		patience := ""
		if iv.Patience > 0 {
			patience = secs(iv.Patience)
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s\n", secs(iv.Start), secs(iv.Length), iv.Modality,
			strconv.FormatFloat(iv.Arrivals, 'f', -1, 64), secs(iv.HandleTime), patience)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
