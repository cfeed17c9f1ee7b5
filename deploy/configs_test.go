package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// collectorBinary returns the built distribution, or skips the test when it
// is missing and the end-to-end run does not require it.
func collectorBinary(t *testing.T) string {
	t.Helper()
	path := os.Getenv("OTELCOL_GENAI_BINARY")
	if path != "" {
		if _, err := os.Stat(path); err == nil {
			return path
		}
	}
	if os.Getenv("OTELCOL_GENAI_E2E") == "required" {
		t.Fatalf("OTELCOL_GENAI_BINARY=%q is not a built collector; run `make build`", path)
	}
	t.Skip("OTELCOL_GENAI_BINARY is not set; `make test` sets it")
	return ""
}

// configMapConfigs returns the config.yaml of every ConfigMap in a manifest.
func configMapConfigs(t *testing.T, manifest string) []string {
	t.Helper()
	raw, err := os.ReadFile(manifest)
	require.NoError(t, err)

	var configs []string
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	for {
		var doc struct {
			Kind string            `yaml:"kind"`
			Data map[string]string `yaml:"data"`
		}
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "manifest %s is not valid YAML", manifest)
		if doc.Kind == "ConfigMap" {
			require.Contains(t, doc.Data, "config.yaml", "ConfigMap in %s has no config.yaml", manifest)
			configs = append(configs, doc.Data["config.yaml"])
		}
	}
	return configs
}

// validateConfig runs `otelcol-genai validate` on one collector config with
// placeholder values for the environment variables the configs read.
func validateConfig(t *testing.T, binary, name, config string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte(config), 0o600))

	cmd := exec.Command(binary, "validate", "--config", path)
	cmd.Env = append(os.Environ(),
		"POD_IP=127.0.0.1",
		"LANGFUSE_BASE_URL=http://127.0.0.1:1",
		"LANGFUSE_PUBLIC_KEY=pk-lf-test",
		"LANGFUSE_SECRET_KEY=sk-lf-test",
		"GENAI_PSEUDONYM_KEY=test-key-of-32-bytes-for-hmac-use",
	)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s: otelcol-genai validate failed:\n%s", name, out)
}

func TestDefaultConfigValidates(t *testing.T) {
	binary := collectorBinary(t)
	config, err := os.ReadFile("../collector-config.yaml")
	require.NoError(t, err)
	validateConfig(t, binary, "collector-config.yaml", string(config))
}

func TestKubernetesManifestConfigsValidate(t *testing.T) {
	binary := collectorBinary(t)
	manifests, err := filepath.Glob("kubernetes/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, manifests)

	for _, manifest := range manifests {
		t.Run(manifest, func(t *testing.T) {
			configs := configMapConfigs(t, manifest)
			require.NotEmpty(t, configs, "no collector config in %s", manifest)
			for _, config := range configs {
				validateConfig(t, binary, manifest, config)
			}
		})
	}
}
