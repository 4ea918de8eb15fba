package chatchannel

import (
	_ "embed"
	"net/http"

	"github.com/eventcc/eventcc/internal/asset"
)

// widgetJS is the attendee chat widget: one script, no build step, that
// an event page loads from the channel with one script tag (see the
// package doc's "The widget").
//
//go:embed widget.js
var widgetJS []byte

var widget = asset.New(widgetJS, "text/javascript; charset=utf-8")

// serveWidget answers GET and HEAD of "/widget.js" with the widget:
// cached for five minutes, revalidated by ETag (If-None-Match: 304).
// Other methods get 405.
func (c *Channel) serveWidget(w http.ResponseWriter, r *http.Request) { widget.ServeHTTP(w, r) }
