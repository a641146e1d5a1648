package qa

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestUsersExample(t *testing.T) {
	b, err := os.ReadFile("users.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	u, err := ParseUsers(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Authenticate("reviewer1", "reviewer1-pass"); got == nil || got.Role != RoleReviewer {
		t.Fatalf("reviewer1 with the right password: %+v", got)
	}
	for _, c := range [][2]string{{"reviewer1", "wrong"}, {"nobody", "reviewer1-pass"}, {"reviewer1", ""}} {
		if u.Authenticate(c[0], c[1]) != nil {
			t.Errorf("%s / %q signed in", c[0], c[1])
		}
	}
	if m := u.Get("manager1"); !m.Manages("售前一组") || m.Manages("账务组") {
		t.Errorf("manager1 teams %v", m.Teams)
	}
	if got := u.WithRole(RoleReviewer); strings.Join(got, ",") != "reviewer1,reviewer2" {
		t.Errorf("reviewers %v", got)
	}
}

func TestUsersValidateNamesField(t *testing.T) {
	const hash = `"$2a$04$Q0d1Zmk3dUx0c0xqZUhDRuv1a0A1o8B8hXuJfK1uQn0W3hCjv5e8a"`
	tests := []struct{ name, yaml, field string }{
		{"no users", "users: []\n", "users"},
		{"bad role", "users:\n  - {username: a, role: boss, password_bcrypt: " + hash + "}\n", "users[0].role"},
		{"duplicate", "users:\n  - {username: a, role: admin, password_bcrypt: " + hash + "}\n  - {username: a, role: admin, password_bcrypt: " + hash + "}\n", "users[1].username"},
		{"manager without teams", "users:\n  - {username: m, role: manager, password_bcrypt: " + hash + "}\n", "users[0].teams"},
		{"teams on a reviewer", "users:\n  - {username: r, role: reviewer, teams: [x], password_bcrypt: " + hash + "}\n", "users[0].teams"},
		{"plain-text password", "users:\n  - {username: r, role: reviewer, password_bcrypt: secret}\n", "users[0].password_bcrypt"},
		{"bad username", "users:\n  - {username: 'Bad Name', role: reviewer, password_bcrypt: " + hash + "}\n", "users[0].username"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseUsers([]byte(tt.yaml))
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("error %v, want field %s", err, tt.field)
			}
		})
	}
	if _, err := ParseUsers([]byte("users:\n  - {username: a, role: admin, pasword: x}\n")); err == nil || !strings.Contains(err.Error(), "pasword") {
		t.Fatalf("unknown field: %v", err)
	}
}
