package access

// ForgeSecret returns token with one bit of its secret flipped and its
// checksum made right again: a well-formed token for the same credential
// that its holder never had.
func ForgeSecret(token string) string {
	var t ParsedToken
	if err := parseToken(token, &t); err != nil {
		panic(err)
	}
	t.secret[0] ^= 1
	return encode(&t)
}
