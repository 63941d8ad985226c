package webhook

import (
	"crypto/sha256"
	"strings"
	"testing"
)

func FuzzParseSignatures(f *testing.F) {
	seeds := []string{
		specSignature,
		specSignature + " " + specSignature,
		"v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/" +
			"enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg== " +
			specSignature,
		"v1,",
		",",
		"v1,,,",
		"v1,!!!!",
		"  v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=\t",
		"",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	sec, err := ParseSecret(specSecret)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string) {
		sigs := parseSignatures(header)
		if len(sigs) > maxSignatures {
			t.Fatalf("%d signatures, limit %d", len(sigs), maxSignatures)
		}
		for _, s := range sigs {
			if len(s) != sha256.Size {
				t.Fatalf("signature of %d bytes", len(s))
			}
		}
		// Only the one true signature may verify the spec message.
		ok := verifySignature([]Secret{sec}, specID, "1614265330", header, []byte(specBody))
		if ok && !strings.Contains(header, strings.TrimPrefix(specSignature, "v1,")) {
			t.Fatalf("header %q verified without the signature", header)
		}
	})
}

func FuzzDecodePayload(f *testing.F) {
	seeds := []string{
		validBody,
		`{"code":"DB-CONN-001"}`,
		`{"code":"SVC-DEP-001","unknown":1}`,
		`{"code":"SVC-DEP-001"} trailing`,
		`{"code":"SVC-DEP-001","reason":"\u0000"}`,
		`null`,
		`[`,
		``,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decodePayload(body)
		if err != nil {
			return
		}
		if !validCode(p.Code) || !validText(p.Target, maxTargetLen) ||
			!validText(p.Reason, maxReasonLen) {
			t.Fatalf("accepted an invalid payload %+v", p)
		}
	})
}

func FuzzDecodeAlertmanager(f *testing.F) {
	f.Add([]byte(amBody))
	f.Add([]byte(amAlertBody("firing", `{"error_code":"SVC-DEP-001","target":"payments"}`)))
	f.Add([]byte(amAlertBody("resolved", `{}`)))
	f.Add([]byte(`{"version":"4","receiver":"r","alerts":[{"status":"firing","labels":null}]}`))
	f.Add([]byte(`{"version":"4","alerts":[{"startsAt":"yesterday"}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decodeAlertmanager(body)
		if err != nil {
			return
		}
		if p.Version != "4" || len(p.Alerts) == 0 || !validText(p.Receiver, maxAttrLen) {
			t.Fatalf("accepted an invalid payload %+v", p)
		}
		// Building requests from any accepted payload must not panic and
		// must keep every attribute bounded.
		rc := &Receiver{cfg: withDefaults(Config{Target: newFakeTarget()})}
		for i := range p.Alerts {
			req := rc.alertRequest(p, &p.Alerts[i])
			if req.Code != "" && !validCode(req.Code) {
				t.Fatalf("unvetted code %q", req.Code)
			}
			for k, v := range req.Attrs {
				if len(v) > maxAttrLen+len("2006-01-02T15:04:05Z") {
					t.Fatalf("attribute %s is %d bytes", k, len(v))
				}
			}
		}
	})
}
