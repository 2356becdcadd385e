package collectors

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gpuplan/gpuplan/events"
)

// Spool defaults.
const (
	DefaultSpoolMaxBytes     = 256 << 20
	DefaultSpoolSegmentBytes = 4 << 20
	// MaxRecordBytes bounds one record, so a corrupt length never makes the reader allocate
	// gigabytes: an 8-GPU batch with a few processes per GPU is about 4 KB.
	MaxRecordBytes = 16 << 20
)

// Record framing: a little-endian uint32 payload length, a little-endian uint32 CRC-32C of the
// payload, then the payload (one event as events.Marshal writes it).
const frameHeader = 8

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// ErrSpoolClosed: the spool was used after Close.
var ErrSpoolClosed = errors.New("collectors: spool closed")

// SpoolOptions configure OpenSpool. The zero value gives the defaults.
type SpoolOptions struct {
	// MaxBytes bounds the segment files together; 0 means DefaultSpoolMaxBytes (256 MiB, about
	// 18 hours of 8-GPU batches at 1 s, 7 days at 10 s). When an append would pass it, the
	// oldest segment is deleted and its unsent records are counted as dropped.
	MaxBytes int64
	// SegmentBytes is the size at which a new segment file is started; 0 means
	// DefaultSpoolSegmentBytes, capped at MaxBytes/4 so that dropping a segment frees room.
	SegmentBytes int64
	// NoSync skips the fsync after each append (benchmarks). Without it an event survives a
	// power loss once Append returns.
	NoSync bool
}

// SpoolStats describe a spool's contents and losses.
type SpoolStats struct {
	Records        int   // records waiting to be sent
	Bytes          int64 // size of the segment files
	LimitBytes     int64 // MaxBytes in effect
	DroppedRecords int64 // unsent records deleted to make room (since open)
	TornRecords    int64 // damaged records dropped at open (a crash mid-write)
}

// Position names a record in the spool; positions increase in append order.
type Position struct {
	Seg uint64
	Off int64
}

func (p Position) less(q Position) bool {
	return p.Seg < q.Seg || p.Seg == q.Seg && p.Off < q.Off
}

// Record is a spooled event and its position.
type Record struct {
	Pos   Position
	Event events.Event
}

type recPos struct {
	Position
	n uint32 // payload length
}

// Spool is a bounded, crash-safe on-disk FIFO of events. It is safe for concurrent use by one
// writer (the Collector) and one reader (the Publisher).
type Spool struct {
	dir string
	opt SpoolOptions

	mu      sync.Mutex
	segs    []uint64 // segment numbers present, ascending; the last is active
	sizes   map[uint64]int64
	active  *os.File
	pending []recPos // unacknowledged records in order
	stats   SpoolStats
	notify  chan struct{}
	closed  bool
}

// OpenSpool opens (creating it if needed) the spool in dir, recovers its records from the
// cursor on, and drops a damaged tail of any segment (counted in TornRecords).
func OpenSpool(dir string, opt SpoolOptions) (*Spool, error) {
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultSpoolMaxBytes
	}
	if opt.SegmentBytes <= 0 {
		opt.SegmentBytes = DefaultSpoolSegmentBytes
	}
	opt.SegmentBytes = min(opt.SegmentBytes, max(opt.MaxBytes/4, frameHeader+1))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("collectors: spool: %w", err)
	}
	s := &Spool{dir: dir, opt: opt, sizes: map[uint64]int64{}, notify: make(chan struct{}, 1)}
	s.stats.LimitBytes = opt.MaxBytes
	cur, err := s.readCursor()
	if err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("collectors: spool: %w", err)
	}
	for _, e := range ents {
		if n, ok := segNumber(e.Name()); ok {
			s.segs = append(s.segs, n)
		}
	}
	slices.Sort(s.segs)
	for _, n := range s.segs {
		if n < cur.Seg {
			// Fully acknowledged before a crash that came before its deletion.
			os.Remove(s.segPath(n))
			continue
		}
		if err := s.scan(n, cur); err != nil {
			return nil, err
		}
	}
	s.segs = slices.DeleteFunc(s.segs, func(n uint64) bool { return n < cur.Seg })
	next := uint64(1)
	if len(s.segs) > 0 {
		next = s.segs[len(s.segs)-1]
	}
	next = max(next, cur.Seg)
	if err := s.openActive(next); err != nil {
		return nil, err
	}
	return s, nil
}

func segNumber(name string) (uint64, bool) {
	num, ok := strings.CutPrefix(name, "seg-")
	if !ok {
		return 0, false
	}
	num, ok = strings.CutSuffix(num, ".spool")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(num, 10, 64)
	return n, err == nil && n > 0
}

func (s *Spool) segPath(n uint64) string {
	return filepath.Join(s.dir, fmt.Sprintf("seg-%016d.spool", n))
}

// scan indexes segment n's records at or after cur and truncates a damaged tail.
func (s *Spool) scan(n uint64, cur Position) error {
	f, err := os.OpenFile(s.segPath(n), os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("collectors: spool: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("collectors: spool: read %s: %w", f.Name(), err)
	}
	var off int64
	for off < int64(len(data)) {
		payload, err := DecodeRecord(data[off:])
		if err != nil {
			// A crash mid-write leaves a short or damaged record; nothing valid can follow it
			// because segments are only ever appended to.
			s.stats.TornRecords++
			if err := f.Truncate(off); err != nil {
				return fmt.Errorf("collectors: spool: truncate torn record in %s at %d: %w", f.Name(), off, err)
			}
			if err := f.Sync(); err != nil {
				return fmt.Errorf("collectors: spool: %w", err)
			}
			break
		}
		p := Position{Seg: n, Off: off}
		if !p.less(cur) {
			s.pending = append(s.pending, recPos{Position: p, n: uint32(len(payload))})
		}
		off += frameHeader + int64(len(payload))
	}
	s.sizes[n] = off
	s.stats.Bytes += off
	return nil
}

// DecodeRecord returns the payload of the record at the start of b. It fails on a short
// header, a length over MaxRecordBytes or past the end of b, or a CRC mismatch.
func DecodeRecord(b []byte) ([]byte, error) {
	if len(b) < frameHeader {
		return nil, fmt.Errorf("collectors: spool record: %d bytes, header needs %d", len(b), frameHeader)
	}
	n := binary.LittleEndian.Uint32(b)
	if n == 0 || n > MaxRecordBytes {
		return nil, fmt.Errorf("collectors: spool record: length %d outside 1..%d", n, MaxRecordBytes)
	}
	if int64(n) > int64(len(b)-frameHeader) {
		return nil, fmt.Errorf("collectors: spool record: length %d, %d bytes left", n, len(b)-frameHeader)
	}
	payload := b[frameHeader : frameHeader+int(n)]
	if crc32.Checksum(payload, crcTable) != binary.LittleEndian.Uint32(b[4:]) {
		return nil, errors.New("collectors: spool record: CRC mismatch")
	}
	return payload, nil
}

// EncodeRecord appends the framed payload to dst.
func EncodeRecord(dst, payload []byte) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(payload)))
	dst = binary.LittleEndian.AppendUint32(dst, crc32.Checksum(payload, crcTable))
	return append(dst, payload...)
}

func (s *Spool) openActive(n uint64) error {
	f, err := os.OpenFile(s.segPath(n), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("collectors: spool: %w", err)
	}
	if s.active != nil {
		s.active.Close()
	}
	s.active = f
	if !slices.Contains(s.segs, n) {
		s.segs = append(s.segs, n)
		s.sizes[n] = 0
	}
	return nil
}

// Append writes ev at the end of the spool (and fsyncs unless NoSync). When the spool is full
// it first deletes the oldest segments, counting their unsent records in DroppedRecords.
func (s *Spool) Append(ev events.Event) error {
	payload, err := events.Marshal(ev)
	if err != nil {
		return fmt.Errorf("collectors: spool: %w", err)
	}
	if len(payload) > MaxRecordBytes {
		return fmt.Errorf("collectors: spool: event %s is %d bytes, over %d", ev.ID, len(payload), MaxRecordBytes)
	}
	rec := EncodeRecord(nil, payload)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrSpoolClosed
	}
	act := s.segs[len(s.segs)-1]
	if s.sizes[act] > 0 && s.sizes[act]+int64(len(rec)) > s.opt.SegmentBytes {
		if err := s.openActive(act + 1); err != nil {
			return err
		}
		act++
	}
	for s.stats.Bytes+int64(len(rec)) > s.opt.MaxBytes && len(s.segs) > 1 {
		s.dropOldest()
	}
	off := s.sizes[act]
	if _, err := s.active.Write(rec); err != nil {
		// A partial write is a torn record for the next open; stop using this segment.
		s.active.Truncate(off)
		return fmt.Errorf("collectors: spool: write: %w", err)
	}
	if !s.opt.NoSync {
		if err := s.active.Sync(); err != nil {
			return fmt.Errorf("collectors: spool: sync: %w", err)
		}
	}
	s.sizes[act] += int64(len(rec))
	s.stats.Bytes += int64(len(rec))
	s.pending = append(s.pending, recPos{Position: Position{Seg: act, Off: off}, n: uint32(len(payload))})
	select {
	case s.notify <- struct{}{}:
	default:
	}
	return nil
}

func (s *Spool) dropOldest() {
	n := s.segs[0]
	i := 0
	for i < len(s.pending) && s.pending[i].Seg == n {
		i++
	}
	s.stats.DroppedRecords += int64(i)
	s.pending = slices.Delete(s.pending, 0, i)
	os.Remove(s.segPath(n))
	s.stats.Bytes -= s.sizes[n]
	delete(s.sizes, n)
	s.segs = s.segs[1:]
	s.writeCursorLocked()
}

// Peek returns up to max records from the oldest unacknowledged one, in order.
func (s *Spool) Peek(max int) ([]Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrSpoolClosed
	}
	n := min(max, len(s.pending))
	out := make([]Record, 0, n)
	var f *os.File
	var fseg uint64
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	for _, rp := range s.pending[:n] {
		if f == nil || fseg != rp.Seg {
			if f != nil {
				f.Close()
			}
			var err error
			if f, err = os.Open(s.segPath(rp.Seg)); err != nil {
				return out, fmt.Errorf("collectors: spool: %w", err)
			}
			fseg = rp.Seg
		}
		buf := make([]byte, frameHeader+int(rp.n))
		if _, err := f.ReadAt(buf, rp.Off); err != nil {
			return out, fmt.Errorf("collectors: spool: read %s at %d: %w", f.Name(), rp.Off, err)
		}
		payload, err := DecodeRecord(buf)
		if err != nil {
			return out, fmt.Errorf("collectors: spool: %s at %d: %w", f.Name(), rp.Off, err)
		}
		ev, err := events.Unmarshal(payload)
		if err != nil {
			return out, fmt.Errorf("collectors: spool: %s at %d: %w", f.Name(), rp.Off, err)
		}
		out = append(out, Record{Pos: rp.Position, Event: ev})
	}
	return out, nil
}

// Ack marks every record up to and including pos as delivered, persists the cursor and deletes
// segments left with nothing to send.
func (s *Spool) Ack(pos Position) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrSpoolClosed
	}
	i := sort.Search(len(s.pending), func(i int) bool { return pos.less(s.pending[i].Position) })
	if i == 0 {
		return nil
	}
	s.pending = slices.Delete(s.pending, 0, i)
	if err := s.writeCursorLocked(); err != nil {
		return err
	}
	for len(s.segs) > 1 && (len(s.pending) == 0 || s.segs[0] < s.pending[0].Seg) {
		n := s.segs[0]
		os.Remove(s.segPath(n))
		s.stats.Bytes -= s.sizes[n]
		delete(s.sizes, n)
		s.segs = s.segs[1:]
	}
	return nil
}

// cursor returns the position of the first unacknowledged record, or the end of the active
// segment when none is left.
func (s *Spool) cursorLocked() Position {
	if len(s.pending) > 0 {
		return s.pending[0].Position
	}
	act := s.segs[len(s.segs)-1]
	return Position{Seg: act, Off: s.sizes[act]}
}

// writeCursorLocked replaces the cursor file atomically (write, fsync, rename).
func (s *Spool) writeCursorLocked() error {
	c := s.cursorLocked()
	b := binary.LittleEndian.AppendUint64(nil, c.Seg)
	b = binary.LittleEndian.AppendUint64(b, uint64(c.Off))
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
	tmp := filepath.Join(s.dir, "cursor.tmp")
	if err := writeSync(tmp, b, !s.opt.NoSync); err != nil {
		return fmt.Errorf("collectors: spool: cursor: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, "cursor")); err != nil {
		return fmt.Errorf("collectors: spool: cursor: %w", err)
	}
	return nil
}

func writeSync(path string, b []byte, doSync bool) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if doSync {
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

func (s *Spool) readCursor() (Position, error) {
	path := filepath.Join(s.dir, "cursor")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Position{}, nil
	}
	if err != nil {
		return Position{}, fmt.Errorf("collectors: spool: %w", err)
	}
	if len(b) != 20 || crc32.Checksum(b[:16], crcTable) != binary.LittleEndian.Uint32(b[16:]) {
		// The rename makes a torn cursor unlikely; if it happens anyway, resending from the
		// start of the spool is safe (ids are deduplicated) while skipping would lose events.
		return Position{}, nil
	}
	return Position{Seg: binary.LittleEndian.Uint64(b), Off: int64(binary.LittleEndian.Uint64(b[8:]))}, nil
}

// Notify returns a channel that receives after appends; the reader waits on it when idle.
func (s *Spool) Notify() <-chan struct{} { return s.notify }

// Stats returns the spool's counts now.
func (s *Spool) Stats() SpoolStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Records = len(s.pending)
	return st
}

// Close closes the active segment; unsent records stay for the next OpenSpool.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.active.Close()
}
