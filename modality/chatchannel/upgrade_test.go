package chatchannel_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/chatchannel"
)

// TestUpgrade_HelloSentWithTheRequest: a client that writes its hello in
// the same packet as the upgrade request is served; the bytes the server
// read ahead are not lost when the socket gets its own buffers.
func TestUpgrade_HelloSentWithTheRequest(t *testing.T) {
	e := newEnv(t, chatchannel.Config{})
	e.open(t, "svc")
	conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))

	hello := []byte(`{"type":"hello","token":"tok-svc-ada"}`)
	mask := [4]byte{1, 2, 3, 4}
	ws := append([]byte{0x81, 0x80 | byte(len(hello))}, mask[:]...) // text, final, masked
	for i, b := range hello {
		ws = append(ws, b^mask[i%4])
	}
	req := "GET /svc/chat?entry=direct HTTP/1.1\r\nHost: " + e.srv.Listener.Addr().String() +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	_, err = conn.Write(append([]byte(req), ws...))
	require.NoError(t, err)

	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, res.StatusCode, "want the upgrade")
	var h [2]byte
	_, err = io.ReadFull(br, h[:])
	require.NoError(t, err)
	require.Equal(t, byte(0x81), h[0], "want a final text frame")
	n := int(h[1] & 0x7f)
	if n == 126 {
		var ext [2]byte
		_, err = io.ReadFull(br, ext[:])
		require.NoError(t, err)
		n = int(ext[0])<<8 | int(ext[1])
	}
	payload := make([]byte, n)
	_, err = io.ReadFull(br, payload)
	require.NoError(t, err)
	var f frame
	require.NoError(t, json.Unmarshal(payload, &f))
	assert.Equal(t, "welcome", f.Type, "want the hello answered: %s", payload)
}
