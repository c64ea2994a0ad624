#!/bin/sh
# 30-crypt-resume.sh - "parapass keygen" and "parapass crypt" as a user runs
# them, on a 64 MiB image:
#  - keygen with a passphrase (file and environment) and a test key; wrong
#    passphrase (exit 1), truncated, damaged, foreign key files (exit 2, named);
#  - encrypt equals the OpenSSL oracle (xts_oracle, aes-xts-plain64), decrypt
#    restores the original, a second encrypt is refused;
#  - 50 kills at random points of an encrypt and 10 of a decrypt through the
#    test hook (PARAPASS_CRYPT_KILL: exact byte or sync), and 6 real kill -9
#    at random moments and a Ctrl-C, each then resumed with --resume: the
#    image must always end exactly as the oracle says;
#  - refusals: target smaller than asked, read-only file (mode 444, which
#    root could write: parapass refuses anyway), journal without --resume,
#    --resume without journal; with loop devices, a read-only block device,
#    a partition, and a device whose partition is in use.
# Random points come from $SEED (printed), so a failure can be replayed.
set -eu

REPO=$(cd "$(dirname "$0")/../.." && pwd)
B=$REPO/${O:-build}/host
P=$B/parapass
X=$B/xts_oracle
SEED=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
# tmpfs when there is one: kill -9 keeps the page cache anyway, and the syncs
# of 60 conversions on a disk would take minutes.
BASE=/dev/shm
[ -d "$BASE" ] && [ -w "$BASE" ] || BASE=${TMPDIR:-/tmp}
D=$(mktemp -d "$BASE/30-crypt.XXXXXX")
LOOPS="" MNT=""
cleanup() {
	[ -z "$MNT" ] || umount "$MNT" 2>/dev/null || true
	for l in $LOOPS; do losetup -d "$l" 2>/dev/null || true; done
	rm -rf "$D"
}
trap cleanup EXIT INT TERM

fail() { echo "30-crypt-resume: FAIL (SEED=$SEED): $*" >&2; exit 1; }
note() { echo "30-crypt-resume: $*"; }
[ -x "$P" ] && [ -x "$X" ] || fail "build $P and $X first (make O=... all testtools)"
note "SEED=$SEED"

# Random number in [0, $1) from an awk generator seeded with SEED and a counter.
RN=0
rnd() {
	RN=$((RN + 1))
	awk -v s="$SEED" -v n="$RN" -v m="$1" 'BEGIN { srand(s + n * 7919); printf "%d\n", rand() * m }'
}

expect_rc() {  # expect_rc WANT WHAT CMD... ; stderr kept in $D/err
	want=$1 what=$2
	shift 2
	rc=0
	"$@" >"$D/out" 2>"$D/err" || rc=$?
	[ "$rc" -eq "$want" ] || fail "$what: exit $rc, want $want: $(cat "$D/err")"
}

expect_err() {  # expect_err TEXT WHAT
	grep -q -- "$1" "$D/err" || fail "$2: stderr lacks '$1': $(cat "$D/err")"
}

# ---- keys ----
printf 'correct horse battery\n' >"$D/pass"
expect_rc 0 "keygen" "$P" keygen "$D/key" --passphrase-file "$D/pass" --iterations 2000
grep -q "PBKDF2-HMAC-SHA256 (2000 iterations)" "$D/out" || fail "keygen summary: $(cat "$D/out")"
[ "$(stat -c %a "$D/key")" = 600 ] || fail "key file mode $(stat -c %a "$D/key"), want 600"
[ "$(wc -c <"$D/key")" -eq 160 ] || fail "key file size"
expect_rc 2 "keygen over an existing key" "$P" keygen "$D/key" --no-passphrase
expect_err "exists" "keygen over an existing key"
expect_rc 2 "keygen without a terminal" setsid "$P" keygen "$D/key2" </dev/null
expect_err "no terminal" "keygen without a terminal"
printf 'caf\303\251\n' >"$D/utf8.pass"
expect_rc 2 "a passphrase the boot console cannot type" "$P" keygen "$D/key3" --passphrase-file "$D/utf8.pass"
expect_err "printable ASCII" "a passphrase the boot console cannot type"
expect_rc 0 "test key" "$P" keygen "$D/test.key" --no-passphrase
grep -q "unwrapped TEST key" "$D/out" || fail "test key summary: $(cat "$D/out")"
# The raw key, through the pipe cryptsetup would read: it is what both commands use.
expect_rc 0 "key-export" "$P" key-export --key "$D/key" --passphrase-file "$D/pass"
cp "$D/out" "$D/raw.key"
[ "$(wc -c <"$D/raw.key")" -eq 64 ] || fail "key-export wrote $(wc -c <"$D/raw.key") bytes"
PARAPASS_PASSPHRASE="correct horse battery" "$P" key-export --key "$D/key" >"$D/raw2.key" ||
	fail "passphrase from the environment"
cmp -s "$D/raw.key" "$D/raw2.key" || fail "environment and file passphrases give different keys"
printf 'wrong horse\n' >"$D/wrong"
expect_rc 1 "wrong passphrase" "$P" key-export --key "$D/key" --passphrase-file "$D/wrong"
expect_err "wrong passphrase" "wrong passphrase"
head -c 100 "$D/key" >"$D/trunc.key"
expect_rc 2 "truncated key file" "$P" key-export --key "$D/trunc.key" --passphrase-file "$D/pass"
expect_err "truncated" "truncated key file"
expect_rc 2 "raw key as --key" "$P" key-export --key "$D/raw.key"
expect_err "not a parapass key file" "raw key as --key"
# One damaged byte in each field: offset and the word the message must hold.
for f in "0 not a parapass" "8 version" "10 unknown KDF" "11 cipher" "15 iteration" "12 checksum" \
	"20 checksum" "36 checksum" "44 key length" "60 checksum" "120 checksum" "150 checksum"; do
	off=${f%% *} word=${f#* }
	cp "$D/key" "$D/bad.key"
	# Flip every bit of the byte: writing a constant would leave it intact 1 time in 256.
	b=$(od -An -tu1 -j"$off" -N1 "$D/key" | tr -d ' ')
	printf "\\$(printf %o $((b ^ 255)))" | dd of="$D/bad.key" bs=1 seek="$off" conv=notrunc 2>/dev/null
	cmp -s "$D/key" "$D/bad.key" && fail "damaging byte $off changed nothing"
	expect_rc 2 "key damaged at $off" "$P" key-export --key "$D/bad.key" --passphrase-file "$D/pass"
	expect_err "$word" "key damaged at $off"
done
note "keys: ok"

# ---- images: a 64 MiB image of structured sectors, the oracle's ciphertext ----
IMG=$D/disk.img
awk 'BEGIN { for (i = 0; i < 131072; i++) printf "%-511s\n", "sector " i " of the 30-crypt test image" }' >"$D/orig.img"
"$X" encrypt --key "$D/raw.key" --image "$D/orig.img" "$D/want.img" >/dev/null || fail "oracle"
cp "$D/orig.img" "$IMG"
expect_rc 0 "encrypt" "$P" crypt encrypt "$IMG" --key "$D/key" --passphrase-file "$D/pass"
cmp -s "$IMG" "$D/want.img" || fail "encrypt differs from the OpenSSL aes-xts-plain64 oracle"
[ ! -e "$IMG.ppjournal" ] || fail "journal left after a finished encrypt"
expect_rc 0 "verify" "$P" crypt verify "$IMG" --raw-key "$D/raw.key" --plain "$D/orig.img"
grep -q "encrypted with this key" "$D/out" || fail "verify verdict: $(cat "$D/out")"
expect_rc 2 "encrypt twice" "$P" crypt encrypt "$IMG" --raw-key "$D/raw.key"
expect_err "refusing to encrypt" "encrypt twice"
expect_rc 0 "decrypt" "$P" crypt decrypt "$IMG" --raw-key "$D/raw.key"
cmp -s "$IMG" "$D/orig.img" || fail "decrypt does not restore the original"
expect_rc 1 "verify plaintext" "$P" crypt verify "$IMG" --raw-key "$D/raw.key"
grep -q "plaintext" "$D/out" || fail "verify of plaintext: $(cat "$D/out")"
note "encrypt = oracle, decrypt = original: ok"

# ---- interruptions ----
CHUNK_KIB=1024
SIZE=$(wc -c <"$D/orig.img")
NCHUNK=$((SIZE / (CHUNK_KIB * 1024)))
# What a conversion writes: the journal header, then per chunk its copy, its record, the target.
WBYTES=$((112 + NCHUNK * (2 * CHUNK_KIB * 1024 + 512)))
NSYNC=$((3 * NCHUNK))

# After an interruption: resume if there is a journal, else it never started (or finished).
finish() {  # finish OP FROM WANT WHAT
	if [ -e "$IMG.ppjournal" ]; then
		RESUMED=$((RESUMED + 1))
		expect_rc 0 "$4: resume" "$P" crypt "$1" "$IMG" --raw-key "$D/raw.key" --resume
	elif cmp -s "$IMG" "$2"; then
		expect_rc 0 "$4: rerun" "$P" crypt "$1" "$IMG" --raw-key "$D/raw.key" --chunk-kib $CHUNK_KIB
	fi
	cmp -s "$IMG" "$3" || fail "$4: the image is not what the oracle says"
	[ ! -e "$IMG.ppjournal" ] || fail "$4: journal left behind"
}

hook_kill() {  # hook_kill OP FROM WANT ROUND
	op=$1 from=$2 want=$3 r=$4
	if [ "$(rnd 5)" -eq 0 ]; then at="sync:$((1 + $(rnd $NSYNC)))"; else at="bytes:$((1 + $(rnd $WBYTES)))"; fi
	cp "$from" "$IMG"
	rc=0
	PARAPASS_CRYPT_KILL=$at "$P" crypt "$op" "$IMG" --raw-key "$D/raw.key" --chunk-kib $CHUNK_KIB \
		>/dev/null 2>&1 || rc=$?
	[ "$rc" -eq 137 ] || fail "$op round $r ($at): exit $rc, want 137 (SIGKILL)"
	# Every fifth round the resume is killed too, at a point in its first chunks.
	if [ $((r % 5)) -eq 0 ] && [ -e "$IMG.ppjournal" ]; then
		PARAPASS_CRYPT_KILL="bytes:$((1 + $(rnd $((3 * CHUNK_KIB * 1024)))))" \
			"$P" crypt "$op" "$IMG" --raw-key "$D/raw.key" --resume >/dev/null 2>&1 || true
	fi
	finish "$op" "$from" "$want" "$op round $r ($at)"
}

RESUMED=0 r=1
while [ $r -le 50 ]; do hook_kill encrypt "$D/orig.img" "$D/want.img" $r; r=$((r + 1)); done
note "50 hook kills during encrypt ($RESUMED left a journal and resumed), all correct: ok"
RESUMED=0 r=1
while [ $r -le 10 ]; do hook_kill decrypt "$D/want.img" "$D/orig.img" $r; r=$((r + 1)); done
note "10 hook kills during decrypt ($RESUMED left a journal and resumed), all correct: ok"

# Real kill -9 at random moments of a conversion slowed by small chunks.
cp "$D/orig.img" "$IMG"
t0=$(date +%s%N)
"$P" crypt encrypt "$IMG" --raw-key "$D/raw.key" --chunk-kib 64 >/dev/null 2>&1 || fail "timing run"
span=$((($(date +%s%N) - t0) / 1000000))
[ "$span" -gt 5 ] || span=5
RESUMED=0 r=1
while [ $r -le 6 ]; do
	cp "$D/orig.img" "$IMG"
	delay=$(rnd "$span")
	"$P" crypt encrypt "$IMG" --raw-key "$D/raw.key" --chunk-kib 64 >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
	kill -9 $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	finish encrypt "$D/orig.img" "$D/want.img" "kill -9 after ${delay} of ${span} ms"
	r=$((r + 1))
done
note "6 kill -9 at random moments of a ${span} ms run ($RESUMED left a journal), all correct: ok"

# Ctrl-C: a clean stop after the current chunk, then --resume.
cp "$D/orig.img" "$IMG"
"$P" crypt encrypt "$IMG" --raw-key "$D/raw.key" --chunk-kib 64 >"$D/out" 2>"$D/err" &
pid=$!
sleep "$(awk -v d="$(rnd "$span")" 'BEGIN { printf "%.3f", d / 2000 }')"
kill -INT $pid 2>/dev/null || true
rc=0
wait $pid || rc=$?
case $rc in
0) ;;
1) expect_err "stopped at sector" "Ctrl-C" ;;
*) fail "Ctrl-C: exit $rc, want 1 (stopped) or 0 (done before the signal)" ;;
esac
finish encrypt "$D/orig.img" "$D/want.img" "Ctrl-C"
note "Ctrl-C stops cleanly and resumes: ok"

# ---- refusals ----
cp "$D/orig.img" "$IMG"
expect_rc 2 "target smaller than asked" "$P" crypt encrypt "$IMG" --raw-key "$D/raw.key" \
	--first-lba 100000 --sectors 40000
expect_err "smaller than asked" "target smaller than asked"
expect_rc 2 "resume without journal" "$P" crypt encrypt "$IMG" --raw-key "$D/raw.key" --resume
expect_err "nothing to resume" "resume without journal"
PARAPASS_CRYPT_KILL=sync:7 "$P" crypt encrypt "$IMG" --raw-key "$D/raw.key" >/dev/null 2>&1 || true
expect_rc 2 "journal without --resume" "$P" crypt encrypt "$IMG" --raw-key "$D/raw.key"
expect_err "a journal exists" "journal without --resume"
expect_rc 2 "resume with the wrong key" "$P" crypt encrypt "$IMG" --key "$D/test.key" --resume
expect_err "another key" "resume with the wrong key"
expect_rc 2 "resume as the other operation" "$P" crypt decrypt "$IMG" --raw-key "$D/raw.key" --resume
finish encrypt "$D/orig.img" "$D/want.img" "after the refusals"
cp "$D/orig.img" "$IMG"
chmod 444 "$IMG"
expect_rc 2 "read-only file" "$P" crypt encrypt "$IMG" --raw-key "$D/raw.key"
expect_err "read-only" "read-only file"
cmp -s "$IMG" "$D/orig.img" || fail "a read-only file was written"
expect_rc 1 "verify of a read-only file" "$P" crypt verify "$IMG" --raw-key "$D/raw.key"
chmod 644 "$IMG"
note "refusals (size, journal, key, operation, read-only file): ok"

# ---- block devices, when this machine lets us attach loop devices ----
loop_attach() {  # loop_attach [-r] FILE: prints the device, remembers it for cleanup
	l=$(losetup -f --show "$@" 2>/dev/null) || return 1
	LOOPS="$LOOPS $l"
	echo "$l"
}
loop_detach() {
	losetup -d "$1" 2>/dev/null || true
	LOOPS=$(echo "$LOOPS" | sed "s#$1##")
}
if [ "$(id -u)" -eq 0 ] && L=$(loop_attach -r "$D/orig.img"); then
	expect_rc 2 "read-only block device" "$P" crypt encrypt "$L" --raw-key "$D/raw.key" --journal "$D/j"
	expect_err "read-only" "read-only block device"
	loop_detach "$L"
	head -c 8M "$D/orig.img" >"$D/fs.img"
	mkfs.ext2 -q -F "$D/fs.img" >/dev/null 2>&1 || fail "mkfs.ext2"
	L=$(loop_attach "$D/fs.img") || fail "losetup"
	expect_rc 2 "image attached to a loop device" "$P" crypt encrypt "$D/fs.img" --raw-key "$D/raw.key"
	expect_err "attached to $L" "image attached to a loop device"
	expect_rc 2 "block device without --journal" "$P" crypt encrypt "$L" --raw-key "$D/raw.key"
	mkdir "$D/mnt"
	if mount "$L" "$D/mnt" 2>/dev/null; then
		MNT=$D/mnt
		expect_rc 2 "mounted device" "$P" crypt encrypt "$L" --raw-key "$D/raw.key" --journal "$D/j"
		expect_err "mounted" "mounted device"
		umount "$MNT"
		MNT=""
	else
		note "NOTICE: mount refused here: a mounted device NOT TESTED (unit tests cover the check)"
	fi
	if [ "$(blockdev --getro "$L")" -eq 0 ]; then
		"$X" encrypt --key "$D/raw.key" --image "$D/fs.img" "$D/fs.want" >/dev/null
		expect_rc 0 "block device encrypt" "$P" crypt encrypt "$L" --raw-key "$D/raw.key" --journal "$D/j"
		loop_detach "$L"
		cmp -s "$D/fs.img" "$D/fs.want" || fail "block device encrypt differs from the oracle"
		note "block devices (read-only, attached image, mounted, conversion): ok"
	else
		loop_detach "$L"
		note "NOTICE: loop devices are read-only here: converting a block device NOT TESTED"
		note "block devices (read-only, attached image, mounted): ok"
	fi
else
	note "NOTICE: no loop devices (not root, or losetup refused): block-device refusals NOT TESTED"
fi
echo "30-crypt-resume: ok"
