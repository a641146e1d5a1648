package qa_test

import (
	"testing"

	"github.com/ccqa/ccqa/internal/itest"
)

func TestMigrateCreatesQAObjects(t *testing.T) {
	w := itest.Warehouse(t)
	_ = w
}
