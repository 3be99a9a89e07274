package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMasterKeyFormatParseRoundTrip(t *testing.T) {
	key := newRawKey()
	text := formatMasterKey(key)
	if !bytes.HasPrefix(text, []byte(keyFileHeader+" ")) || text[len(text)-1] != '\n' || bytes.Count(text, []byte("\n")) != 1 {
		t.Fatalf("formatted key %q is not one line with the header", text)
	}
	got, err := parseMasterKey(text)
	if err != nil || !bytes.Equal(got, key) {
		t.Fatalf("parse(format(k)) = %x, %v; want %x", got, err, key)
	}
	// A final newline is optional: secret managers often drop it.
	if got, err := parseMasterKey(bytes.TrimSuffix(text, []byte("\n"))); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("without final newline: %x, %v", got, err)
	}
}

func TestParseMasterKeyRejects(t *testing.T) {
	good := strings.TrimSuffix(string(formatMasterKey(newRawKey())), "\n")
	b64 := strings.TrimPrefix(good, keyFileHeader+" ")
	for name, in := range map[string]string{
		"empty":             "",
		"no header":         b64 + "\n",
		"wrong version":     "steward-master-key-v2 " + b64 + "\n",
		"two spaces":        keyFileHeader + "  " + b64 + "\n",
		"crlf":              good + "\r\n",
		"two newlines":      good + "\n\n",
		"trailing space":    good + " \n",
		"short key":         keyFileHeader + " " + b64[:40] + "\n",
		"long key":          keyFileHeader + " " + b64 + "AAAA\n",
		"line break inside": keyFileHeader + " " + b64[:20] + "\n" + b64[21:] + "\n",
		"url alphabet":      keyFileHeader + " " + strings.Repeat("_", 43) + "=\n",
		"non-canonical pad": keyFileHeader + " " + b64[:42] + "B=\n",
		"raw bytes":         string(newRawKey()),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parseMasterKey([]byte(in)); !errors.Is(err, errKeyFormat) {
				t.Fatalf("parse %q: err = %v, want errKeyFormat", in, err)
			}
		})
	}
}

func TestWriteKeyFileModeAndNoClobber(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "master.key")
	key := newRawKey()
	if err := writeKeyFile(path, key, true); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %#o, want 0600", st.Mode().Perm())
	}
	if err := writeKeyFile(path, newRawKey(), true); err == nil {
		t.Fatal("writeKeyFile with noClobber replaced an existing key")
	}
	got, _, err := readKeyFile(path)
	if err != nil || !bytes.Equal(got, key) {
		t.Fatalf("key changed or unreadable after refused overwrite: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func FuzzParseMasterKey(f *testing.F) {
	f.Add(formatMasterKey(make([]byte, keySize)))
	f.Add(formatMasterKey(newRawKey()))
	f.Add([]byte(keyFileHeader + " \n"))
	f.Add([]byte(""))
	f.Add([]byte(keyFileHeader + " AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\nA=\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		key, err := parseMasterKey(data)
		if err != nil {
			if key != nil || !errors.Is(err, errKeyFormat) {
				t.Fatalf("failed parse returned key %x, err %v", key, err)
			}
			return
		}
		if len(key) != keySize {
			t.Fatalf("parsed key of %d bytes", len(key))
		}
		// Strict means canonical: only the formatted text (with or
		// without its final newline) parses to a key.
		canon := formatMasterKey(key)
		if !bytes.Equal(data, canon) && !bytes.Equal(data, canon[:len(canon)-1]) {
			t.Fatalf("accepted non-canonical key file %q", data)
		}
	})
}
