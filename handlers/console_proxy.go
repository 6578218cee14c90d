package handlers

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"abrak/console/rfb"
	"abrak/services"
)

const (
	// consoleWriteTimeout drops a viewer that stops reading for this long.
	consoleWriteTimeout = 30 * time.Second
	// consoleHandshakeTimeout bounds the viewer's side of the RFB handshake.
	consoleHandshakeTimeout = 30 * time.Second
	// consoleCloseWait is how long a closing proxy waits for the viewer's close reply.
	consoleCloseWait = 5 * time.Second
	// consoleChunk is the most read from the VNC server per websocket message.
	consoleChunk = 64 << 10
)

// consoleUpgrader checks nothing itself: the Origin is checked before the
// ticket is touched, so a foreign page cannot even burn a ticket. The write
// buffer is borrowed per message, so an idle console holds none.
var consoleUpgrader = websocket.Upgrader{
	ReadBufferSize: 4 << 10,
	// A whole chunk fits one frame: with the default 4 KiB a 64 KiB read would
	// leave as sixteen frames and sixteen writes.
	WriteBufferSize: consoleChunk + 16,
	WriteBufferPool: &sync.Pool{},
	Subprotocols:    []string{"binary"},
	CheckOrigin:     func(*http.Request) bool { return true },
}

var chunkPool = sync.Pool{New: func() any { b := make([]byte, consoleChunk); return &b }}

// ConsoleWS is GET /console/ws/:ticket: it checks the Origin, uses the ticket,
// and proxies the VM's VNC server to the viewer as binary websocket frames.
func (h *Handlers) ConsoleWS(c echo.Context) error {
	r := c.Request()
	if !h.originAllowed(r) {
		return h.refuseConsole(c, services.Forbidden("console.bad_origin"))
	}
	if !websocket.IsWebSocketUpgrade(r) {
		return h.refuseConsole(c, &services.Error{Status: http.StatusBadRequest, Code: "bad_request", Key: "error.bad_request"})
	}
	con, err := h.Consoles.Open(r.Context(), c.Param("ticket"), c.RealIP())
	if err != nil {
		return h.refuseConsole(c, err)
	}
	ws, err := consoleUpgrader.Upgrade(c.Response(), r, nil)
	if err != nil {
		// Upgrade has answered the client already.
		con.Close(services.CloseNormal)
		return nil
	}
	c.Response().Status = http.StatusSwitchingProtocols
	proxyConsole(ws, con)
	return nil
}

// refuseConsole answers a websocket request that is not upgraded. A script,
// not a person, reads it, and the route carries no session for the error
// page's shell: the API's JSON error body it is.
func (h *Handlers) refuseConsole(c echo.Context, err error) error {
	e := services.AsError(err)
	if e.Status >= 500 {
		h.Log.Error("console refused", "path", c.Path(), "code", e.Code, "err", e.Err)
	}
	setRetryAfter(c, e)
	return writeAPIError(c, e)
}

// originAllowed accepts a websocket from the panel's own pages: an Origin equal
// to ABRAK_BASE_URL's or the brand's base URL's (a customer follows the
// brand's links, the operator may still use the panel's own address), or
// naming the host the request was sent to. A request without an Origin is
// not a browser's page and has no business here.
func (h *Handlers) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	o, err := url.Parse(origin)
	if err != nil || o.Host == "" {
		return false
	}
	for _, base := range []string{h.BaseURL, h.Brands.BaseURLOr(r.Context(), "")} {
		if b, err := url.Parse(base); err == nil && b.Host != "" &&
			strings.EqualFold(o.Scheme, b.Scheme) && strings.EqualFold(o.Host, b.Host) {
			return true
		}
	}
	return strings.EqualFold(o.Host, r.Host)
}

// proxyConsole answers the viewer's RFB handshake with no authentication, then
// splices both directions until either side ends or the console is closed.
// When the VNC side ends first, every byte it sent is written to the viewer
// before the close frame.
func proxyConsole(ws *websocket.Conn, con *services.Console) {
	defer ws.Close()
	defer con.Close(services.CloseNormal)
	viewer := &wsStream{ws: ws}
	ws.SetReadDeadline(time.Now().Add(consoleHandshakeTimeout))
	if err := rfb.ServeNoAuth(viewer); err != nil {
		closeViewer(ws, websocket.CloseProtocolError, "handshake")
		return
	}
	ws.SetReadDeadline(time.Time{})
	server := con.Server()

	fromViewer := make(chan struct{})
	go func() {
		defer close(fromViewer)
		// The viewer leaving ends the console; the loop below then stops too.
		defer con.Close(services.CloseNormal)
		var watch rfb.InputWatch
		buf := make([]byte, 4<<10)
		for {
			n, err := viewer.Read(buf)
			if n > 0 {
				if watch.Feed(buf[:n]) {
					con.Input()
				}
				if _, werr := server.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()

	bp := chunkPool.Get().(*[]byte)
	defer chunkPool.Put(bp)
	buf := *bp
	for {
		n, err := server.Read(buf)
		if n > 0 {
			ws.SetWriteDeadline(time.Now().Add(consoleWriteTimeout))
			if werr := ws.WriteMessage(websocket.BinaryMessage, buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			break
		}
	}
	reason := con.Reason()
	if reason == "" {
		reason = services.CloseVNCEnded
	}
	closeViewer(ws, websocket.CloseNormalClosure, reason)
	con.Close(reason)
	select {
	case <-fromViewer:
	case <-time.After(consoleCloseWait):
	}
}

func closeViewer(ws *websocket.Conn, code int, reason string) {
	_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(consoleCloseWait))
}

// wsStream reads a websocket's binary messages as one byte stream and writes
// each Write as one binary message; the RFB handshake code needs a stream.
type wsStream struct {
	ws *websocket.Conn
	r  io.Reader
}

var errTextFrame = errors.New("console: text frames are not RFB")

func (s *wsStream) Read(p []byte) (int, error) {
	for {
		if s.r == nil {
			typ, r, err := s.ws.NextReader()
			if err != nil {
				return 0, err
			}
			if typ != websocket.BinaryMessage {
				return 0, errTextFrame
			}
			s.r = r
		}
		n, err := s.r.Read(p)
		if err == io.EOF {
			s.r = nil
			if n == 0 {
				continue
			}
			err = nil
		}
		return n, err
	}
}

func (s *wsStream) Write(p []byte) (int, error) {
	s.ws.SetWriteDeadline(time.Now().Add(consoleWriteTimeout))
	if err := s.ws.WriteMessage(websocket.BinaryMessage, p); err != nil {
		return 0, err
	}
	return len(p), nil
}
