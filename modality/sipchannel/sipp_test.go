package sipchannel_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/internal/testnote"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/sipchannel"
	"github.com/eventcc/eventcc/numbermap"
)

// The SIPp tests run the channel against SIPp (Debian package
// sip-tester), a real SIP peer. Without sipp on PATH they skip, except
// under CI (CI=true), where they must run: .ci/run installs SIPp.

// sippPath returns the sipp binary, or skips the test (fails it under CI).
func sippPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("sipp")
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("sipp is not installed, and CI=true requires the SIPp tests to run (apt-get install sip-tester): %v", err)
	}
	t.Skip("sipp is not installed (apt-get install sip-tester): skipping the SIPp tests")
	return ""
}

// noteSIPpSkipped says, from TestMain, when the SIPp tests skip, which go
// test ./... would otherwise report as a plain "ok".
func noteSIPpSkipped() {
	if _, err := exec.LookPath("sipp"); err != nil && os.Getenv("CI") != "true" {
		testnote.Print("sipchannel: sipp is not installed (apt-get install sip-tester): the SIPp tests are skipped")
	}
}

// sippResult is how a SIPp run went.
type sippResult struct {
	exit       int
	successful int64 // SuccessfulCall(C)
	failed     int64 // FailedCall(C)
	output     string
}

func (r sippResult) String() string {
	out := r.output
	if len(out) > 4000 {
		out = "..." + out[len(out)-4000:]
	}
	return "exit " + strconv.Itoa(r.exit) + ", " + strconv.FormatInt(r.successful, 10) + " successful, " +
		strconv.FormatInt(r.failed, 10) + " failed\n" + out
}

// freePort returns a loopback port free for UDP and TCP just now.
func freePort(t *testing.T) string {
	t.Helper()
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		port := pc.LocalAddr().(*net.UDPAddr).Port
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		pc.Close()
		if err == nil {
			l.Close()
			return strconv.Itoa(port)
		}
	}
	t.Fatal("no port free for both UDP and TCP")
	return ""
}

// sippRun is a run of sipp, prepared in the test's goroutine so that
// running it needs no *testing.T.
type sippRun struct {
	path, dir, stats, errs string
	args                   []string
}

// prepareSIPp prepares a run of sipp against target over transport tr
// with args (a scenario, the number, rates...).
func prepareSIPp(t *testing.T, target, tr string, args ...string) sippRun {
	t.Helper()
	dir := t.TempDir()
	stats, errs := filepath.Join(dir, "stats.csv"), filepath.Join(dir, "errors.log")
	base := []string{target, "-i", "127.0.0.1", "-p", freePort(t), "-mp", freePort(t),
		"-nostdin", "-timeout", "60s", "-timeout_error",
		"-trace_stat", "-stf", stats, "-fd", "1", "-trace_err", "-error_file", errs}
	if tr == sipchannel.TCP {
		base = append(base, "-t", "t1")
	}
	return sippRun{path: sippPath(t), dir: dir, stats: stats, errs: errs, args: append(base, args...)}
}

// run runs sipp until it exits (killing it if ctx is done first) and reads
// its statistics. It fails no test, so any goroutine may call it; its error
// carries what sipp said.
func (s sippRun) run(ctx context.Context) (sippResult, error) {
	cmd := exec.CommandContext(ctx, s.path, s.args...)
	cmd.Dir = s.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	r := sippResult{output: out.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.exit = ee.ExitCode()
	case err != nil:
		return r, fmt.Errorf("running sipp: %w", err)
	}
	if b, err := os.ReadFile(s.errs); err == nil && len(b) > 0 {
		r.output += "\nerrors:\n" + string(b)
	}
	b, err := os.ReadFile(s.stats)
	if err != nil {
		return r, fmt.Errorf("sipp's statistics file: %w; sipp %s", err, r)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) < 2 {
		return r, fmt.Errorf("sipp's statistics file has %d line(s), want a header and a line; sipp %s", len(lines), r)
	}
	head, last := strings.Split(lines[0], ";"), strings.Split(lines[len(lines)-1], ";")
	for i, h := range head {
		if i >= len(last) {
			break
		}
		v, _ := strconv.ParseInt(strings.TrimSpace(last[i]), 10, 64)
		switch h {
		case "SuccessfulCall(C)":
			r.successful = v
		case "FailedCall(C)":
			r.failed = v
		}
	}
	return r, nil
}

// runSIPp runs sipp against target over transport tr with args (a
// scenario, the number, rates...) and reads its statistics.
func runSIPp(ctx context.Context, t *testing.T, target, tr string, args ...string) sippResult {
	t.Helper()
	r, err := prepareSIPp(t, target, tr, args...).run(ctx)
	require.NoError(t, err)
	return r
}

// sippChannel is a channel with a pool in which +1 555 000 1001 is leased
// to "expo" until t0+10h and forwards to +1 555 000 9999 after, and
// +1 555 000 1003 to "fair", vacant after; "expo" is open.
func sippChannel(t *testing.T, clk *clock, tr string) (*sipchannel.Channel, pool) {
	t.Helper()
	p := newPool(t)
	ch := startChannel(t, sipchannel.Config{Numbers: p, Now: clk.Now, Transports: []string{tr}})
	require.NoError(t, ch.Open(t.Context(), "expo", telephony(p.expo)))
	require.NoError(t, ch.Open(t.Context(), "fair", telephony(p.fair)))
	return ch, p
}

// TestSIPpSteadyRate: SIPp's own uac scenario at a steady rate; every
// call succeeds.
func TestSIPpSteadyRate(t *testing.T) {
	sippPath(t)
	for _, tr := range []string{sipchannel.UDP, sipchannel.TCP} {
		t.Run(tr, func(t *testing.T) {
			ch, p := sippChannel(t, newClock(t0.Add(time.Hour)), tr)
			const calls = 250
			r := runSIPp(t.Context(), t, addrOf(t, ch, tr), tr,
				"-sn", "uac", "-s", p.expo.String(), "-r", "50", "-m", strconv.Itoa(calls), "-l", "100")
			require.Equal(t, 0, r.exit, "sipp must exit 0 (every call successful): %s", r)
			assert.Equal(t, int64(calls), r.successful, "successful calls: %s", r)
			assert.Zero(t, r.failed, "failed calls: %s", r)
			assert.Equal(t, int64(calls), counts(t, ch, "expo").Arrivals, "every call arrived")
			// SIPp may exit on our 200 to its last BYE a moment before the
			// channel has counted that call ended: poll, bounded.
			assert.Eventually(t, func() bool { return counts(t, ch, "expo").Live() == 0 }, 10*time.Second, 5*time.Millisecond,
				"every call ended with SIPp's BYE")
		})
	}
}

// TestSIPpRetired: calls to retired numbers get their retirement policy
// on the wire: 302 with the forwarding number as Contact, 404 for a
// vacant one, 404 for a number not in the pool.
func TestSIPpRetired(t *testing.T) {
	sippPath(t)
	for _, tr := range []string{sipchannel.UDP, sipchannel.TCP} {
		t.Run(tr, func(t *testing.T) {
			clk := newClock(t0.Add(10 * time.Hour)) // the expiry instant
			ch, p := sippChannel(t, clk, tr)
			addr := addrOf(t, ch, tr)

			scenario, err := os.ReadFile("testdata/sipp/uac_redirect.xml")
			require.NoError(t, err)
			redirect := filepath.Join(t.TempDir(), "uac_redirect.xml")
			var want bytes.Buffer // the Contact's value, as a regular expression in an XML attribute
			require.NoError(t, xml.EscapeText(&want, []byte(`^ *<tel:\+15550009999>$`)))
			require.NoError(t, os.WriteFile(redirect, bytes.ReplaceAll(scenario, []byte("CONTACT_REGEXP"), want.Bytes()), 0o644))
			refused, err := filepath.Abs("testdata/sipp/uac_refused.xml")
			require.NoError(t, err)

			for _, tc := range []struct {
				name, scenario string
				number         numbermap.Number
			}{
				{"forward: 302 with the forwarding number", redirect, p.expo},
				{"vacant: 404", refused, p.fair},
				{"unknown: 404", refused, num(t, "+1 555 000 7777")},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := runSIPp(t.Context(), t, addr, tr, "-sf", tc.scenario, "-s", tc.number.String(), "-m", "3", "-r", "10")
					require.Equal(t, 0, r.exit, "sipp must exit 0: %s", r)
					assert.Equal(t, int64(3), r.successful, "%s", r)
				})
			}
			for _, svc := range []string{"expo", "fair"} {
				assert.Zero(t, counts(t, ch, svc).Arrivals, "calls to retired numbers are not the service's")
			}
		})
	}
}

// TestSIPpTermination: calls are up when the service closes: the channel
// hangs each up with a BYE, which SIPp receives and answers; a call
// succeeds only then.
func TestSIPpTermination(t *testing.T) {
	sippPath(t)
	for _, tr := range []string{sipchannel.UDP, sipchannel.TCP} {
		t.Run(tr, func(t *testing.T) {
			ctx := t.Context()
			ch, p := sippChannel(t, newClock(t0.Add(time.Hour)), tr)
			scenario, err := filepath.Abs("testdata/sipp/uac_wait_bye.xml")
			require.NoError(t, err)
			const calls = 50
			sipp := prepareSIPp(t, addrOf(t, ch, tr), tr, "-sf", scenario, "-s", p.expo.String(),
				"-r", "100", "-m", strconv.Itoa(calls), "-l", strconv.Itoa(calls))
			type outcome struct {
				r   sippResult
				err error
			}
			// SIPp runs in its own goroutine, which fails no test: the test's
			// goroutine does, with what it sends. The test's end cancels ctx,
			// which kills a SIPp still running.
			done := make(chan outcome, 1)
			go func() {
				r, err := sipp.run(ctx)
				done <- outcome{r, err}
			}()
			// SIPp places the calls; poll the channel's counts (a bounded wait
			// on another process) until they are all up. SIPp exiting before
			// then has failed, and says why.
			upBy := time.NewTimer(60 * time.Second)
			defer upBy.Stop()
			poll := time.NewTicker(10 * time.Millisecond)
			defer poll.Stop()
			for live := counts(t, ch, "expo").Live(); live < calls; live = counts(t, ch, "expo").Live() {
				select {
				case o := <-done:
					require.NoError(t, o.err, "SIPp ended with %d of %d calls up", live, calls)
					require.Failf(t, "SIPp exited before every call was up", "%d of %d calls up; want SIPp to hold them until the channel's BYEs: sipp %s", live, calls, o.r)
				case <-upBy.C:
					require.Failf(t, "calls not up", "%d of %d calls up after 60s", live, calls)
				case <-poll.C:
				}
			}

			require.NoError(t, ch.StopIntake(ctx, "expo"))
			n, err := ch.Disconnect(ctx, "expo")
			require.NoError(t, err)
			assert.Equal(t, calls, n, "Disconnect ends every call")
			assert.Zero(t, counts(t, ch, "expo").Live(), "nothing of expo is live")

			// SIPp exits once it has answered the last BYE; its own -timeout
			// bounds it too, and this wait bounds the test.
			var o outcome
			select {
			case o = <-done:
			case <-time.After(90 * time.Second):
				require.Fail(t, "SIPp still running 90s after every call was hung up; want it to exit once it has answered every BYE")
			}
			require.NoError(t, o.err)
			r := o.r
			require.Equal(t, 0, r.exit, "sipp must exit 0 (every call got its BYE): %s", r)
			assert.Equal(t, int64(calls), r.successful, "SIPp saw and answered every BYE: %s", r)
			assert.Zero(t, r.failed, "%s", r)
		})
	}
}

// sippPcaps is where Debian's sip-tester keeps the RTP captures SIPp
// plays (g711a.pcap, dtmf_2833_*.pcap).
const sippPcaps = "/usr/share/sip-tester"

// TestSIPpMedia: SIPp calls with media, sends A-law audio while the
// receptionist speaks, presses 2 as RFC 4733 events and is handed to the
// lost-found queue; it echoes the RTP it receives, which proves the
// channel's audio reached it; the service closing hangs it up with a BYE
// SIPp answers.
func TestSIPpMedia(t *testing.T) {
	sippPath(t)
	if _, err := os.Stat(filepath.Join(sippPcaps, "dtmf_2833_2.pcap")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("SIPp's RTP captures are missing (sip-tester ships them in %s): %v", sippPcaps, err)
		}
		t.Skipf("SIPp's RTP captures are missing: %v", err)
	}
	ctx := t.Context()
	p := newPool(t)
	desk, fsys := mediaDesk()
	ch := startChannel(t, sipchannel.Config{Numbers: p, Now: newClock(t0.Add(time.Hour)).Now, Transports: []string{sipchannel.UDP}, Prompts: fsys})
	require.NoError(t, ch.Open(ctx, "expo", modality.Setup{
		EntryPoints:  []modality.EntryPoint{{Name: "desk", Kind: modality.Telephony, Address: p.expo.String()}},
		Queues:       []string{"general", "lost-found"},
		Receptionist: desk,
	}))
	scenario, err := os.ReadFile("testdata/sipp/uac_media_menu.xml")
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "uac_media_menu.xml")
	require.NoError(t, os.WriteFile(path, bytes.ReplaceAll(scenario, []byte("PCAPDIR"), []byte(sippPcaps)), 0o644))
	sipp := prepareSIPp(t, addrOf(t, ch, sipchannel.UDP), sipchannel.UDP, "-sf", path, "-s", p.expo.String(),
		"-m", "1", "-rtp_echo", "-mi", "127.0.0.1")
	type outcome struct {
		r   sippResult
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		r, err := sipp.run(ctx)
		done <- outcome{r, err}
	}()

	// SIPp sends its audio and its key; poll (bounded) until the call is
	// handed off.
	var call sipchannel.Call
	deadline := time.Now().Add(30 * time.Second)
	for {
		calls, err := ch.Calls(ctx, "expo")
		require.NoError(t, err)
		if len(calls) == 1 && calls[0].Queue == "lost-found" && calls[0].Media.Keys == 1 {
			call = calls[0]
			break
		}
		select {
		case o := <-done:
			require.Failf(t, "SIPp exited before the hand-off", "calls %+v; sipp %s (err %v)", calls, o.r, o.err)
		default:
		}
		require.True(t, time.Now().Before(deadline), "no hand-off in 30s: calls %+v %+v", calls, mediaOf(calls))
		time.Sleep(20 * time.Millisecond)
	}
	m := call.Media
	assert.Equal(t, "PCMA", m.Codec, "the codec SIPp offered")
	assert.Equal(t, uint64(1), m.Keys, "one key, however many packets its event took")
	// SIPp plays one capture at a time: its audio until it plays the key
	// (1.5 s of 30 ms packets), then the key's 10 packets.
	assert.GreaterOrEqual(t, m.Received, uint64(40+10), "SIPp's audio and its key taken")
	assert.LessOrEqual(t, m.Received, uint64(236+10))
	assert.Greater(t, m.Dropped, uint64(30), "SIPp echoed the channel's audio back: it received it")
	t.Logf("media: %+v", *m)

	n, err := ch.Disconnect(ctx, "expo")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	var o outcome
	select {
	case o = <-done:
	case <-time.After(60 * time.Second):
		require.Fail(t, "SIPp still running 60s after its call was hung up")
	}
	require.NoError(t, o.err)
	require.Equal(t, 0, o.r.exit, "sipp must exit 0 (its call got the BYE): %s", o.r)
	assert.Equal(t, int64(1), o.r.successful, "%s", o.r)
}

func mediaOf(calls []sipchannel.Call) []sipchannel.MediaStats {
	var out []sipchannel.MediaStats
	for _, c := range calls {
		if c.Media != nil {
			out = append(out, *c.Media)
		}
	}
	return out
}

// TestSIPpRegister: SIPp registers as an agent's phone with digest
// authentication (its own implementation of RFC 2617, qop=auth), and the
// channel binds it; with a wrong password SIPp is refused.
func TestSIPpRegister(t *testing.T) {
	sippPath(t)
	ctx := t.Context()
	g := &grants{passwords: map[string][]string{"expo/ada": {"s3cret"}}}
	ch := startChannel(t, sipchannel.Config{Registrar: g, Transports: []string{sipchannel.UDP}})
	require.NoError(t, ch.Open(ctx, "expo", telephony(num(t, "+1 555 000 1001"))))
	scenario, err := os.ReadFile("testdata/sipp/register_agent.xml")
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "register_agent.xml")
	require.NoError(t, os.WriteFile(path, bytes.ReplaceAll(scenario, []byte("SERVICE"), []byte("expo")), 0o644))

	r := runSIPp(ctx, t, addrOf(t, ch, sipchannel.UDP), sipchannel.UDP, "-sf", path, "-s", "ada", "-au", "ada", "-ap", "s3cret", "-m", "1")
	require.Equal(t, 0, r.exit, "sipp must exit 0 (registered): %s", r)
	phones, err := ch.Phones(ctx, "expo")
	require.NoError(t, err)
	require.Len(t, phones, 1)
	assert.Equal(t, "ada", phones[0].Agent)

	r = runSIPp(ctx, t, addrOf(t, ch, sipchannel.UDP), sipchannel.UDP, "-sf", path, "-s", "ada", "-au", "ada", "-ap", "guess", "-m", "1")
	assert.NotEqual(t, 0, r.exit, "a wrong password is refused: %s", r)
}
