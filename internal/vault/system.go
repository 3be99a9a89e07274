package vault

const (
	labelSystemKey  = "steward/system-key/v1/"
	labelSystemSeal = "steward/system-seal/v1"
)

// SystemKey returns a 32-byte key for purpose ("audit-checkpoint",
// "session-mac", ...), HKDF-SHA-256 from the system root secret. The same
// purpose always gives the same key, across restarts and master-key
// rotations; different purposes give independent keys.
func (v *Vault) SystemKey(purpose string) []byte {
	return deriveKey(v.systemRoot, labelSystemKey+purpose, keySize)
}

// SealSystem seals data that belongs to the installation rather than to a
// person (staff TOTP secrets, for instance) under the system data key, with
// the same field binding as Seal. Shredding a person never affects it.
func (v *Vault) SealSystem(f Field, plaintext []byte) ([]byte, error) {
	if err := checkField(f); err != nil {
		return nil, err
	}
	return sealWith(v.system, f, plaintext), nil
}

// OpenSystem opens a value sealed by SealSystem for the same field.
func (v *Vault) OpenSystem(f Field, sealed []byte) ([]byte, error) {
	pt, err := openWith(v.system, f, sealed)
	if err != nil {
		return nil, f.wrapErr(err)
	}
	return pt, nil
}
