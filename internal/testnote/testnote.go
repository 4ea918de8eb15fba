// Package testnote prints a line for the person running go test, such as
// which tests skip for want of something outside the module (a database
// URL, a binary), that go test ./... would otherwise hide behind a plain
// "ok" for the package.
package testnote

import (
	"flag"
	"fmt"
	"io"
	"os"
	"testing"
)

// Print writes line, with a newline, where the person running go test sees
// it. Call it from TestMain, before m.Run; it parses the command line
// (flag.Parse) if TestMain has not.
//
// go test in package list mode (go test ./...) discards all that a passing
// package printed unless -v is given, so Print writes to the controlling
// terminal (/dev/tty) when there is one and the run is not verbose, and to
// stderr otherwise, which go test shows with -v or -json, in local
// directory mode, and for a failing package. A run with no terminal and no
// -v (a CI log) does not show the line.
func Print(line string) {
	if !flag.Parsed() {
		flag.Parse()
	}
	write(line, testing.Verbose(), openTTY, os.Stderr)
}

func openTTY() (io.WriteCloser, error) { return os.OpenFile("/dev/tty", os.O_WRONLY, 0) }

// write writes line to the terminal open opens unless verbose, and to
// stderr when verbose or when there is no terminal.
func write(line string, verbose bool, open func() (io.WriteCloser, error), stderr io.Writer) {
	if !verbose {
		if tty, err := open(); err == nil {
			_, err = fmt.Fprintln(tty, line)
			if cerr := tty.Close(); err == nil && cerr == nil {
				return
			}
		}
	}
	fmt.Fprintln(stderr, line)
}
