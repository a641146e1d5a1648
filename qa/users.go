package qa

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"gopkg.in/yaml.v3"
)

// Roles (SPEC §6). A reviewer scores the contacts assigned to them; a QA lead sees every review,
// resolves disputes and reads calibration; a manager sees the reviews of their teams' agents and
// disputes them; an admin may do everything a QA lead and a manager may.
const (
	RoleReviewer = "reviewer"
	RoleQALead   = "qa_lead"
	RoleManager  = "manager"
	RoleAdmin    = "admin"
)

var roles = []string{RoleReviewer, RoleQALead, RoleManager, RoleAdmin}

// User is a person who signs in to the QA web app.
type User struct {
	Username string `yaml:"username" json:"username"`
	Name     string `yaml:"name" json:"name"`
	Role     string `yaml:"role" json:"role"`
	// Teams are the teams a manager manages (agents.csv's team column).
	Teams []string `yaml:"teams" json:"teams,omitempty"`
	// PasswordBcrypt is the bcrypt hash of the password (`ccqa qa passwd` makes one).
	PasswordBcrypt string `yaml:"password_bcrypt" json:"-"`
}

// Is reports whether the user has one of the roles.
func (u *User) Is(roles ...string) bool { return slices.Contains(roles, u.Role) }

// Manages reports whether a manager manages the team (admins manage every team).
func (u *User) Manages(team string) bool {
	if u.Role == RoleAdmin {
		return true
	}
	return u.Role == RoleManager && team != "" && slices.Contains(u.Teams, team)
}

// Users is the users file: who may sign in, with which role.
type Users struct {
	list   []*User
	byName map[string]*User
	// dummy is a hash compared against when the user is unknown, so that a wrong username
	// takes as long as a wrong password.
	dummy []byte
}

type usersFile struct {
	Users []*User `yaml:"users"`
}

var usernameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// LoadUsers reads and validates a users file.
func LoadUsers(path string) (*Users, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	u, err := ParseUsers(b)
	if err != nil {
		return nil, fmt.Errorf("users %s: %w", path, err)
	}
	return u, nil
}

// ParseUsers decodes a users file strictly and validates it, naming the bad field.
func ParseUsers(b []byte) (*Users, error) {
	var f usersFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fieldErr("users", "the file is empty")
		}
		return nil, fmt.Errorf("yaml: %w", err)
	}
	if len(f.Users) == 0 {
		return nil, fieldErr("users", "at least one user is required")
	}
	u := &Users{byName: map[string]*User{}}
	for i, x := range f.Users {
		field := fmt.Sprintf("users[%d]", i)
		if x == nil {
			return nil, fieldErr(field, "empty entry")
		}
		if !usernameRe.MatchString(x.Username) {
			return nil, fieldErr(field+".username", "%q must be 1-64 of a-z 0-9 . _ -, starting with a letter or digit", x.Username)
		}
		if u.byName[x.Username] != nil {
			return nil, fieldErr(field+".username", "%q is listed twice", x.Username)
		}
		if !slices.Contains(roles, x.Role) {
			return nil, fieldErr(field+".role", "%q is not one of %s", x.Role, strings.Join(roles, ", "))
		}
		if x.Role == RoleManager && len(x.Teams) == 0 {
			return nil, fieldErr(field+".teams", "a manager needs at least one team")
		}
		if x.Role != RoleManager && len(x.Teams) > 0 {
			return nil, fieldErr(field+".teams", "only managers have teams (this user is %s)", x.Role)
		}
		if _, err := bcrypt.Cost([]byte(x.PasswordBcrypt)); err != nil {
			return nil, fieldErr(field+".password_bcrypt", "not a bcrypt hash (make one with `ccqa qa passwd`): %v", err)
		}
		if x.Name == "" {
			x.Name = x.Username
		}
		u.list = append(u.list, x)
		u.byName[x.Username] = x
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte("ccqa-no-such-user"), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}
	u.dummy = dummy
	return u, nil
}

// Get returns a user by username, or nil.
func (u *Users) Get(username string) *User { return u.byName[username] }

// All returns every user in file order.
func (u *Users) All() []*User { return u.list }

// WithRole returns the usernames that have the role, in file order.
func (u *Users) WithRole(role string) []string {
	var out []string
	for _, x := range u.list {
		if x.Role == role {
			out = append(out, x.Username)
		}
	}
	return out
}

// Authenticate checks a username and password and returns the user, or nil.
func (u *Users) Authenticate(username, password string) *User {
	x := u.byName[username]
	if x == nil {
		_ = bcrypt.CompareHashAndPassword(u.dummy, []byte(password))
		return nil
	}
	if bcrypt.CompareHashAndPassword([]byte(x.PasswordBcrypt), []byte(password)) != nil {
		return nil
	}
	return x
}

// HashPassword returns the bcrypt hash of a password for the users file.
func HashPassword(password string) (string, error) {
	if len(password) < 8 {
		return "", fieldErr("password", "must be at least 8 characters")
	}
	b, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("password: %w", err)
	}
	return string(b), nil
}
