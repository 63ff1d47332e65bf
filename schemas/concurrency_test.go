package schemas

import (
	"errors"
	"sync"
	"testing"
)

// TestConcurrentValidate runs first use (compilation) and validation from
// many goroutines at once; run with -race.
func TestConcurrentValidate(t *testing.T) {
	s, err := load(DefaultContract, embeddedFiles(DefaultContract)) // a fresh, not yet compiled set
	if err != nil {
		t.Fatal(err)
	}
	login := recorded(t, "createNativeLoginFlow.200.native.json")
	session := recorded(t, "toSession.200.token.json")
	csrf := recorded(t, "getLoginFlow.403.csrf.json")
	broken := mutated(t, "toSession.200.token.json", func(m map[string]any) { m["active"] = "yes" })

	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if err := s.Validate("createNativeLoginFlow", 200, login); err != nil {
					errs <- err
				}
				if err := s.Validate("toSession", 200, session); err != nil {
					errs <- err
				}
				var ve *ValidationError
				if err := s.Validate("toSession", 200, broken); !errors.As(err, &ve) {
					errs <- errors.New("broken session validated")
				}
				if v, err := s.Judge("getLoginFlow", 403, csrf); err != nil || v.Outcome != ExpectedFailure {
					errs <- errors.New("csrf 403 not an expected failure")
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
