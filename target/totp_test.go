package target

import (
	"testing"
	"time"
)

// rfcKey is the SHA-1 key of RFC 4226 appendix D and RFC 6238 appendix B.
var rfcKey = []byte("12345678901234567890")

func TestHOTPCodeRFC4226(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for counter, w := range want {
		if got := hotpCode(rfcKey, uint64(counter), 6); got != w {
			t.Errorf("HOTP(counter %d) = %s, want %s", counter, got, w)
		}
	}
}

func TestTOTPCodeRFC6238(t *testing.T) {
	tests := []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	}
	for _, tc := range tests {
		if got := totpCode(rfcKey, time.Unix(tc.unix, 0), 30*time.Second, 8); got != tc.want {
			t.Errorf("TOTP(%d) = %s, want %s", tc.unix, got, tc.want)
		}
	}
}

func TestTOTPCodeOfBase32Secret(t *testing.T) {
	// base32("12345678901234567890"): the 6-digit code is the last six
	// digits of the RFC's 8-digit one (both are bin mod 10^n).
	tests := []struct {
		name   string
		secret string
		unix   int64
		want   string
	}{
		{"as Kratos shows it", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59, "287082"},
		{"lower case", "gezdgnbvgy3tqojqgezdgnbvgy3tqojq", 1111111109, "081804"},
		{"grouped with spaces", "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ", 1234567890, "005924"},
		{"same step, end of window", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 1111111110 + 29, "050471"},
	}
	for _, tc := range tests {
		got, err := TOTPCode(tc.secret, time.Unix(tc.unix, 0))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got != tc.want {
			t.Errorf("%s: TOTPCode(%d) = %s, want %s", tc.name, tc.unix, got, tc.want)
		}
	}
}

func TestTOTPCodeRejectsBadSecrets(t *testing.T) {
	for _, s := range []string{"", "   ", "not base32!", "18"} {
		if code, err := TOTPCode(s, time.Now()); err == nil {
			t.Errorf("TOTPCode(%q) = %s, want an error", s, code)
		}
	}
}

func TestTOTPCodePadded(t *testing.T) {
	// base32("1234") is "GEZDGNA=": padded or not, it is the same key.
	want := hotpCode([]byte("1234"), 1, 6)
	for _, secret := range []string{"GEZDGNA=", "GEZDGNA"} {
		got, err := TOTPCode(secret, time.Unix(59, 0))
		if err != nil {
			t.Fatalf("%s: %v", secret, err)
		}
		if got != want {
			t.Errorf("TOTPCode(%q) = %s, want %s", secret, got, want)
		}
	}
}
