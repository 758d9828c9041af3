# Cases for run.sh; each is a function case_NAME that returns 0 on success.
# shellcheck shell=bash

# What a client receives is exactly the producer's frame (RGB), compared with
# the framebuffer read from shared memory, over raw and over every lossless
# encoding libvncclient speaks.
case_pixels() {
    start_toyvm --size 640x480
    start_bridge "/$NAME"
    client expect "/$NAME"
    local enc
    for enc in zrle hextile zlib tight copyrect,raw; do
        client --encodings "${enc/,/ }" expect "/$NAME"
    done
    grep -q "serving /$NAME (640x480) on 127.0.0.1:$PORT" "$W/vnc.err" ||
        fail "no 'serving' line"
    stop_bridge
    [ "$(grep -c "connected (1 client)" "$W/vnc.err")" -eq 6 ] || fail "not one line per client"
    [ "$(grep -c "left (0 clients)" "$W/vnc.err")" -eq 6 ] || fail "not one line per client"
}

# Clicks, wheel and typed text reach toy-vm in framebuffer pixels; the frame
# it draws in answer reaches the client.
case_input() {
    start_toyvm --size 640x480
    start_bridge "/$NAME"
    client move 100 80 click 100 80 click 200 120 3 click 30 40 2 click 60 70 4 click 60 70 5 \
        type "Hi!" key Return type "é" key BackSpace type "~" pause 200
    log_has "click 1 x=100 y=80"
    log_has "release 1 x=100 y=80"
    log_has "click 3 x=200 y=120"
    log_has "click 2 x=30 y=40"
    log_has "wheel dx=0 dy=120"
    log_has "wheel dx=0 dy=-120"
    log_has "key 'H'"
    log_has "key 'i'"
    log_has "key '!'"
    log_has "text U+000D"
    log_has "text U+00E9"
    log_has "text U+0008"
    log_has "key '~'"
    client expect "/$NAME"
    # A drag outside the frame keeps its coordinates.
    client press 10 10 move 700 500 release 700 500
    log_has "release 1 x=700 y=500"
    # Held when the client leaves: released for it.
    client press 300 300 keydown Shift_L
    log_has "release 1 x=300 y=300"
    # --no-input: nothing reaches the producer.
    stop_bridge
    : >"$W/toy.log"
    start_bridge --no-input "/$NAME"
    client click 5 5 type "x" pause 300
    sleep 0.5
    [ -s "$W/toy.log" ] && fail "--no-input forwarded: $(cat "$W/toy.log")"
    return 0
}

# A client's desktop size request becomes a resize request; toy-vm honours
# it and every client follows.  Requests beyond the capacity are clamped.
case_resize() {
    start_toyvm --size 640x480 --max 1024x768
    start_bridge "/$NAME"
    client resize 400 300 expect "/$NAME"
    log_has "resize 400x300"
    client size 400 300 resize 800 600 expect "/$NAME"
    log_has "resize 800x600"
    client request 4000 3000 size 1024 768 expect "/$NAME"
    log_has "resize 1024x768"
    client size 1024 768 expect "/$NAME" resize 333 222 expect "/$NAME"
}

# -- PROGRAM: the bridge starts toy-vm with a private framebuffer; its
# frames equal those of a named toy-vm of the same size; its exit ends the
# bridge with its status; SIGTERM ends both.
case_spawned() {
    start_toyvm --size 320x200
    snap "$W/named.png"
    kill "$TOY"
    wait "$TOY"
    start_bridge -- "$TOYVM" --size 320x200 --log "$W/toy.log"
    client expect-png "$W/named.png" click 20 60 type "ok"
    log_has "click 1 x=20 y=60"
    log_has "key 'k'"
    "$SHMFB" ls 2>&1 | grep -q toy && fail "a spawned framebuffer is listed"
    stop_bridge
    grep -q "toy-vm exited with status 0" "$W/vnc.err" || fail "nothing said of toy-vm's exit"

    bg "$W/exit.err" "$VNC" --port 0 -- "$TOYVM" --exit-after-ms 1000
    wait "$LAST"
    local rc=$?
    [ "$rc" -eq 0 ] || fail "status $rc after toy-vm exited 0"
    grep -q "toy-vm exited with status 0" "$W/exit.err" || fail "exit not said: $(cat "$W/exit.err")"

    "$VNC" --port 0 -- /nonexistent/program 2>"$W/missing.err"
    expect_error $? "$W/missing.err" "cannot run /nonexistent/program"
    "$VNC" --port 0 -- sh -c 'exit 3' 2>"$W/early.err"
    rc=$?
    [ "$rc" -eq 3 ] || fail "status $rc for a program that exited 3 before its framebuffer"
    "$VNC" --port 0 --timeout 0.5 -- sleep 5 2>"$W/slow.err"
    expect_error $? "$W/slow.err" "created no framebuffer within 500 ms"
}

# An independent client, gtk-vnc's gvnccapture, gets the same pixels.
case_gvnc() {
    start_toyvm --size 640x480
    start_bridge "/$NAME"
    client click 100 100 click 300 200 3 type "gvnc" expect "/$NAME"
    log_has "key 'c'"
    snap "$W/snap.png"
    timeout 30 gvnccapture "127.0.0.1:$((PORT - 5900))" "$W/gvnc.png" >"$W/gvnc.log" 2>&1 ||
        fail "gvnccapture failed: $(cat "$W/gvnc.log")"
    local ae
    ae=$(compare -metric AE "$W/gvnc.png" "$W/snap.png" "$W/gvnc-diff.png" 2>&1)
    [ "$ae" = 0 ] || fail "gvnccapture differs from the frame in $ae pixels"
}

# Two clients at once while the producer animates; both end on its last frame.
case_two_clients() {
    start_producer "$NAME" --size 320x200 --fps 100 --frames 300 --stuck-ms 1000 \
        --done "$W/report"
    start_bridge "/$NAME"
    "$VNC_CLIENT" "$ADDR" pause 500 expect "/$NAME" 2>"$W/c1.err" &
    local c1=$!
    "$VNC_CLIENT" --encodings zrle "$ADDR" pause 700 expect "/$NAME" 2>"$W/c2.err" &
    local c2=$!
    wait_for 20 test -s "$W/report" || fail "the producer did not finish"
    wait "$c1" || fail "first client: $(cat "$W/c1.err")"
    wait "$c2" || fail "second client: $(cat "$W/c2.err")"
    grep -q "connected (2 clients)" "$W/vnc.err" || fail "never two clients at once"
    client expect "/$NAME"
    producer_report "$W/report" 1000
}

# Clients that hang up in the middle of a large update: the bridge goes on,
# other clients are served, the producer is never held up.
case_mid_update() {
    start_producer "$NAME" --size 1920x1080 --fps 30 --frames 0 --full --stuck-ms 1000 \
        --done "$W/report"
    start_bridge "/$NAME"
    "$VNC_CLIENT" "$ADDR" pause 3000 2>"$W/c1.err" &
    local c1=$!
    "$VNC_FUZZ" "$ADDR" midupdate 1 40 || fail "vnc-fuzz midupdate failed"
    wait "$c1" || fail "a client was disturbed: $(cat "$W/c1.err")"
    producer_report "$W/report" 1000
    client expect "/$NAME"
    stop_bridge
}

# 200 connect/disconnect cycles: descriptors and threads come back to where
# they were, the producer is never held up, and (in the sanitizer build) no
# leak at exit.
case_cycles() {
    start_producer "$NAME" --size 320x200 --fps 200 --frames 0 --stuck-ms 1000 --done "$W/report"
    start_bridge "/$NAME"
    client pause 200
    wait_for 10 grep -q "left (0 clients)" "$W/vnc.err" || fail "the first client did not leave"
    local fds threads
    fds=$(nfds "$BRIDGE")
    threads=$(nthreads "$BRIDGE")
    "$VNC_FUZZ" "$ADDR" cycles 1 200 || fail "a cycle failed"
    producer_report "$W/report" 1000
    client expect "/$NAME"
    settled() {
        [ "$(grep -c "left (" "$W/vnc.err")" -eq 202 ] &&
            [ "$(nfds "$BRIDGE")" -eq "$fds" ] && [ "$(nthreads "$BRIDGE")" -eq "$threads" ]
    }
    wait_for 20 settled || fail "after 200 cycles: $(grep -c "left (" "$W/vnc.err") left," \
        "$(nfds "$BRIDGE") descriptors (was $fds), $(nthreads "$BRIDGE") threads (was $threads)"
    [ "$(grep -c "connected (" "$W/vnc.err")" -eq 202 ] || fail "not one line per connect"
    log "202 clients; $fds descriptors and $threads threads before and after"
    stop_bridge
}

# Random bytes, random messages of every type with random fields, messages
# cut short, cut text announced as 2 GiB and a real 1 MiB one, scaling
# requests that would scale a 320x200 frame to nothing: the bridge
# stays up, serves the right pixels, never holds up the producer, and exits
# cleanly (with the sanitizers: no memory error, no leak).
case_fuzz() {
    start_producer "$NAME" --size 320x200 --fps 60 --frames 0 --stuck-ms 1000 --done "$W/report"
    start_bridge "/$NAME"
    local mode
    for mode in "garbage 1 100" "messages 2 250" "truncated 3 60" "hugecut 4" "scale 5 10" \
        "empty 6 20"; do
        # shellcheck disable=SC2086
        "$VNC_FUZZ" "$ADDR" $mode 2>>"$W/fuzz.err" || fail "vnc-fuzz $mode: $(tail -1 "$W/fuzz.err")"
        log "vnc-fuzz $mode: survived"
    done
    producer_report "$W/report" 1000
    client expect "/$NAME"
    stop_bridge
}

# Server-side scaling requests are answered by the bridge's own
# rfbScalingSetup(), which takes libvncserver's place by interposition: the
# bridge's line proves that it still does (a libvncserver that binds its own
# calls would run its scaling silently), and the clients still get the
# frame at its real size.
case_scale() {
    start_producer "$NAME" --size 320x200 --fps 60 --frames 0 --stuck-ms 1000 --done "$W/report"
    start_bridge "/$NAME"
    "$VNC_FUZZ" "$ADDR" scale 7 3 2>>"$W/fuzz.err" || fail "vnc-fuzz scale: $(tail -1 "$W/fuzz.err")"
    said() { [ "$(grep -c "asked for server-side scaling to .*: not offered" "$W/vnc.err")" -ge 3 ]; }
    wait_for 10 said || fail "the scaling requests did not reach the bridge's rfbScalingSetup" \
        "(libvncserver's own ran): $(grep -c "server-side scaling" "$W/vnc.err") of 3 said"
    producer_report "$W/report" 1000
    client expect "/$NAME"
    stop_bridge
}

# A client that never reads and one that never finishes its handshake: the
# producer runs on, another client is served, both are dropped in time.
case_slow_clients() {
    start_producer "$NAME" --size 1920x1080 --fps 30 --frames 0 --full --stuck-ms 500 \
        --done "$W/report"
    start_bridge "/$NAME"
    bg "$W/stall.err" "$VNC_FUZZ" "$ADDR" stall
    bg "$W/silent.err" "$VNC_FUZZ" "$ADDR" silent
    client pause 3000
    producer_report "$W/report" 500
    client expect "/$NAME"
    wait_for 30 grep -q "no handshake within 10 s; dropped" "$W/vnc.err" ||
        fail "the silent client was not dropped"
    left() { [ "$(grep -c "left (" "$W/vnc.err")" -ge 4 ]; }
    wait_for 30 left || fail "the client that reads nothing was not dropped"
    stop_bridge
}

# Addresses and passwords.
case_security() {
    start_toyvm --size 160x100
    "$VNC" --port 0 --listen 0.0.0.0 "/$NAME" 2>"$W/open.err"
    expect_error $? "$W/open.err" "refusing to listen on 0.0.0.0 without a password"
    "$VNC" --port 0 --password-file "$W/none" "/$NAME" 2>"$W/nofile.err"
    expect_error $? "$W/nofile.err" "cannot read"
    : >"$W/empty"
    "$VNC" --port 0 --password-file "$W/empty" "/$NAME" 2>"$W/empty.err"
    expect_error $? "$W/empty.err" "is empty"
    "$VNC" --port 0 --listen no.such.host.invalid "/$NAME" 2>"$W/badhost.err"
    expect_error $? "$W/badhost.err" "invalid --listen address"

    printf 'sesame\n' >"$W/pw"
    start_bridge --listen 0.0.0.0 --password-file "$W/pw" "/$NAME"
    grep -q "on 0.0.0.0:$PORT with a password" "$W/vnc.err" || fail "not said: $(cat "$W/vnc.err")"
    "$VNC_CLIENT" "$ADDR" pause 100 2>"$W/nopw.err" && fail "a client without the password got in"
    "$VNC_CLIENT" --password wrong "$ADDR" pause 100 2>"$W/wrong.err" &&
        fail "a wrong password got in"
    grep -q "wrong password" "$W/vnc.err" || fail "the wrong password was not said"
    client --password sesame expect "/$NAME"

    "$VNC" --port "$PORT" "/$NAME" 2>"$W/inuse.err"
    expect_error $? "$W/inuse.err" "cannot listen on 127.0.0.1 port $PORT: Address already in use"
    stop_bridge
    start_bridge --listen ::1 "/$NAME"
    grep -q "on \[::1\]:$PORT" "$W/vnc.err" || fail "not on ::1: $(cat "$W/vnc.err")"
    ADDR="[::1]:$PORT" client expect "/$NAME"
}

# The producer dies: the last frame stays served; a new producer of the same
# name (here with a larger capacity) is picked up.
case_producer_gone() {
    start_toyvm --size 320x200
    start_bridge "/$NAME"
    client click 50 50 expect "/$NAME"
    snap "$W/before.png"
    kill -KILL "$TOY"
    wait_for 10 grep -q "producer gone; keeping the last frame" "$W/vnc.err" ||
        fail "the producer's death was not noticed"
    client expect-png "$W/before.png"
    client click 10 10 # goes nowhere, harms nothing
    start_toyvm --size 1200x900 --max 1200x900
    wait_for 10 grep -q "a new producer is here" "$W/vnc.err" || fail "the new producer was not found"
    client size 1200 900 expect "/$NAME" click 1100 800
    log_has "click 1 x=1100 y=800"
    stop_bridge
}

# Usage and the errors a user meets first: one line, status 1 or 2.
case_cli() {
    "$VNC" --help >"$W/help.out" || fail "--help failed"
    grep -q "usage: shmfb-vnc" "$W/help.out" || fail "--help says no usage"
    "$VNC" --version | grep -q "^shmfb-vnc [0-9]" || fail "--version"
    "$VNC" 2>"$W/e1"
    expect_error $? "$W/e1" "missing framebuffer NAME"
    "$VNC" --port 70000 /x 2>"$W/e2"
    expect_error $? "$W/e2" "invalid port '70000'"
    "$VNC" --frobnicate /x 2>"$W/e3"
    [ $? -eq 2 ] || fail "unknown option: not status 2"
    "$VNC" /a /b 2>"$W/e4"
    expect_error $? "$W/e4" "too many arguments"
    "$VNC" /x -- prog 2>"$W/e5"
    expect_error $? "$W/e5" "give either NAME or -- PROGRAM"
    "$VNC" 'bad name!' 2>"$W/e6"
    expect_error $? "$W/e6" "invalid framebuffer name"
    "$VNC" --port 0 "/no-such-$NAME" 2>"$W/e7"
    expect_error $? "$W/e7" "no such framebuffer"
    start_toyvm --size 64x64
    "$VNC" --port 0 --web 0 --novnc "$W" "/$NAME" 2>"$W/e8"
    expect_error $? "$W/e8" "no noVNC in"
}

# --web: websockify serves noVNC's page and files and forwards WebSocket
# connections to the bridge (the browser itself: case browser).
case_web() {
    start_toyvm --size 320x200
    start_bridge --web 0 "/$NAME"
    [ -n "$URL" ] || fail "no noVNC URL said"
    curl -fsS "$URL" -o "$W/vnc.html" || fail "cannot fetch $URL"
    grep -q "noVNC" "$W/vnc.html" || fail "$URL is not noVNC's page"
    local base=${URL%/vnc.html}
    curl -fsS "$base/core/rfb.js" -o /dev/null || fail "noVNC's scripts are not served"
    local web_pid
    web_pid=$(pgrep -P "$BRIDGE" -f websockify | head -1)
    [ -n "$web_pid" ] || fail "no websockify"
    stop_bridge
    wait_for 5 test ! -d "/proc/$web_pid" || fail "websockify outlived the bridge"
}

# noVNC in headless Chromium: the page connects through websockify, its
# canvas shows exactly the producer's frame and a pointer, a click and typed
# keys reach the producer and what it drew in answer reaches the canvas.
case_browser() {
    start_toyvm --size 480x320
    start_bridge --web 0 "/$NAME"
    snap "$W/before.png"
    "$NODE" "$HERE/browser.js" "$URL" expect "$W/before.png" cursor image click 100 80 \
        type "hi" shot "$W/canvas.png" 2>"$W/browser.err"
    local rc=$?
    [ "$rc" -eq 77 ] && exit 77
    [ "$rc" -eq 0 ] || fail "$(tail -1 "$W/browser.err")"
    log_has "click 1 x=100 y=80"
    log_has "key 'h'"
    log_has "key 'i'"
    snap "$W/after.png"
    "$NODE" "$HERE/browser.js" "$URL" expect "$W/after.png" 2>"$W/browser2.err" ||
        fail "$(tail -1 "$W/browser2.err")"
    [ "$(grep -c "connected (1 client)" "$W/vnc.err")" -eq 2 ] || fail "not two browser sessions"
    stop_bridge
}

# The clipboard both ways with libvncclient, which has no extended
# clipboard: it gets the producer's text in Latin-1 (characters beyond it as
# '?'), and its Latin-1 cut text reaches the producer as UTF-8.  toy-vm
# pastes with Ctrl+V (logged) and copies what was typed with Ctrl+C.
case_clipboard() {
    start_toyvm --size 320x200
    start_bridge "/$NAME"
    client cut-send "Café" keydown Control_L key 0x76 keyup Control_L pause 200
    log_has "paste Café"
    client type "é€" keydown Control_L key 0x63 keyup Control_L cut-expect "Caféé€"
    log_has "copy Caféé€"
    stop_bridge
    # Beyond the cap (1 MiB) the producer's clipboard stays with it, said once.
    start_producer "$NAME-big" --clipboard 2000000
    start_bridge "/$NAME-big"
    wait_for 10 grep -q "clipboard of 2000000 bytes not sent to clients" "$W/vnc.err" ||
        fail "no line for a clipboard beyond the cap"
    stop_bridge
}

# The same with noVNC in Chromium, which takes libvncserver's extended
# clipboard: the producer's text arrives in UTF-8 (beyond Latin-1 too).  Back
# it comes as ClientCutText in Latin-1 (libvncserver 0.9.14 does not offer
# the extended clipboard's notify action, without which noVNC sends Latin-1),
# and reaches the producer as UTF-8.
case_browser_clipboard() {
    start_toyvm --size 320x200
    start_bridge --web 0 "/$NAME"
    "$NODE" "$HERE/browser.js" "$URL" clip-expect "é€" clip-send "Grüße" click 10 10 \
        2>"$W/browser.err" &
    local browser=$! rc
    wait_for 30 grep -q "connected (1 client)" "$W/vnc.err" || fail "the browser did not connect"
    sleep 1 # its encodings (the extended clipboard) follow the connection
    client type "é€" keydown Control_L key 0x63 keyup Control_L
    log_has "copy é€"
    wait "$browser"
    rc=$?
    [ "$rc" -eq 77 ] && exit 77
    [ "$rc" -eq 0 ] || fail "$(tail -1 "$W/browser.err")"
    client keydown Control_L key 0x76 keyup Control_L pause 200
    log_has "paste Grüße"
    stop_bridge
}

# The producer's cursor reaches clients that take cursor shapes; no client
# ever gets a cursor drawn into the pixels, wherever its pointer is.
case_cursor() {
    convert -size 16x16 xc:none -fill 'rgba(255,0,0,1)' -draw 'rectangle 0,0 7,15' \
        -fill 'rgba(0,0,255,1)' -draw 'rectangle 8,0 15,3' \
        -fill 'rgba(0,255,0,0.25)' -draw 'rectangle 8,4 15,15' "PNG32:$W/cursor.png" ||
        fail "cannot make the cursor image"
    start_producer "$NAME" --size 320x200 --frames 20 --cursor "$W/cursor.png@4,5" --cursor hidden \
        --done "$W/report"
    wait_for 10 test -s "$W/report" || fail "the producer did not finish its frames"
    start_bridge "/$NAME"
    client --cursor cursor 16 16 4 5 cursor-png "$W/cursor.png" move 20 20 move 100 100 \
        pause 300 expect "/$NAME"
    client move 20 20 move 100 100 pause 300 expect "/$NAME"
    # Hidden, then shown again: a connected client is told at once.
    "$VNC_CLIENT" --cursor "$ADDR" cursors 1 pause 1500 cursors 2 cursor-png "$W/cursor.png" \
        2>"$W/toggle.err" &
    local c=$!
    sleep 0.5
    kill -USR2 "$PROD"
    sleep 0.5
    kill -USR2 "$PROD"
    wait "$c" || fail "after hide and show: $(cat "$W/toggle.err")"
    # A producer that never set one: the default pointer, an arrow.
    stop_bridge
    kill -TERM "$PROD"
    wait "$PROD"
    start_toyvm --size 160x100
    start_bridge "/$NAME"
    client --cursor cursor 12 19 0 0 expect "/$NAME"
}

# A whole session under valgrind's memcheck (the normal build): clients,
# input, a resize, hostile clients, connect/disconnect cycles; no memory
# error, no leak (memcheck's status 99 fails stop_bridge).
case_valgrind() {
    start_toyvm --size 320x200
    RUN_UNDER="valgrind --error-exitcode=99 --track-origins=yes --leak-check=full --show-leak-kinds=definite,indirect
        --errors-for-leak-kinds=definite,indirect --suppressions=$HERE/valgrind.supp
        --log-file=$W/valgrind.log" start_bridge "/$NAME"
    client expect "/$NAME" click 10 40 type "v" resize 200 150 expect "/$NAME"
    log_has "key 'v'"
    "$VNC_FUZZ" "$ADDR" cycles 1 20 || fail "cycles under valgrind"
    "$VNC_FUZZ" "$ADDR" messages 7 30 || fail "hostile clients under valgrind"
    client expect "/$NAME"
    kill -TERM "$BRIDGE"
    wait "$BRIDGE"
    local rc=$?
    [ "$rc" -eq 0 ] || fail "status $rc under valgrind: $(grep -A8 "ERROR SUMMARY\|definitely\|Invalid\|uninitialised" "$W/valgrind.log" | head -40)"
    grep -q "ERROR SUMMARY: 0 errors" "$W/valgrind.log" || fail "memcheck reported errors"
}
