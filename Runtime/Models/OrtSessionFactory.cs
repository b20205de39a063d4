using System;
using System.Linq;
using Microsoft.ML.OnnxRuntime;

namespace InstantIdAvatars.Models
{
    /// <summary>Which ONNX Runtime execution provider runs the models.</summary>
    public enum ExecutionProvider
    {
        /// <summary>The best one this ONNX Runtime build has: CUDA, then DirectML, then CoreML, then CPU.</summary>
        Auto,
        Cuda,
        DirectML,
        CoreML,
        Cpu,
    }

    /// <summary>Settings for creating ONNX Runtime sessions.</summary>
    public sealed class SessionSettings
    {
        public ExecutionProvider Provider { get; set; } = ExecutionProvider.Auto;
        public int DeviceId { get; set; }
        /// <summary>Graph optimisation level; Extended keeps numerics identical to the exported graph on CPU.</summary>
        public GraphOptimizationLevel OptimizationLevel { get; set; } = GraphOptimizationLevel.ORT_ENABLE_EXTENDED;
        /// <summary>CPU threads for one model run (0 = ONNX Runtime's default).</summary>
        public int IntraOpThreads { get; set; }
        /// <summary>Receives one line per decision (which provider runs and why). Default: none.</summary>
        public Action<string>? Log { get; set; }
    }

    /// <summary>
    /// Creates sessions on the chosen execution provider. Auto falls back to CPU with a log line saying why;
    /// an explicit choice that cannot be honoured is an error (a game asking for CUDA should know it has none).
    /// </summary>
    public sealed class OrtSessionFactory
    {
        readonly SessionSettings _settings;
        ExecutionProvider? _resolved;

        public OrtSessionFactory(SessionSettings? settings = null) => _settings = settings ?? new SessionSettings();

        public SessionSettings Settings => _settings;

        /// <summary>The provider sessions run on, once resolved (Auto picks on first use).</summary>
        public ExecutionProvider ResolvedProvider => _resolved ??= Resolve();

        /// <summary>Provider names of this ONNX Runtime build, e.g. CUDAExecutionProvider, CPUExecutionProvider.</summary>
        public static string[] AvailableProviders()
        {
            try { return OrtEnv.Instance().GetAvailableProviders(); }
            catch (Exception) { return new[] { "CPUExecutionProvider" }; }
        }

        ExecutionProvider Resolve()
        {
            var available = AvailableProviders();
            string? Name(ExecutionProvider p) => p switch
            {
                ExecutionProvider.Cuda => "CUDAExecutionProvider",
                ExecutionProvider.DirectML => "DmlExecutionProvider",
                ExecutionProvider.CoreML => "CoreMLExecutionProvider",
                _ => "CPUExecutionProvider",
            };
            if (_settings.Provider != ExecutionProvider.Auto)
            {
                if (!available.Contains(Name(_settings.Provider)))
                    throw new InstantIdException(
                        $"The {_settings.Provider} execution provider was asked for, but this ONNX Runtime build has only {string.Join(", ", available)}. "
                        + "Install the matching ONNX Runtime package (see README, Unity packaging) or use ExecutionProvider.Auto.");
                _settings.Log?.Invoke($"ONNX Runtime: using {_settings.Provider} (asked for explicitly)");
                return _settings.Provider;
            }
            foreach (var p in new[] { ExecutionProvider.Cuda, ExecutionProvider.DirectML, ExecutionProvider.CoreML })
                if (available.Contains(Name(p)))
                {
                    _settings.Log?.Invoke($"ONNX Runtime: using {p} (device {_settings.DeviceId}); available: {string.Join(", ", available)}");
                    return p;
                }
            _settings.Log?.Invoke($"ONNX Runtime: using CPU — no GPU provider in this build (available: {string.Join(", ", available)}); "
                                  + "generation will be slow. Install the CUDA/DirectML build for GPU speed.");
            return ExecutionProvider.Cpu;
        }

        /// <summary>Session options for the resolved provider.</summary>
        public SessionOptions CreateOptions()
        {
            var options = new SessionOptions { GraphOptimizationLevel = _settings.OptimizationLevel };
            if (_settings.IntraOpThreads > 0) options.IntraOpNumThreads = _settings.IntraOpThreads;
            try
            {
                switch (ResolvedProvider)
                {
                    case ExecutionProvider.Cuda: options.AppendExecutionProvider_CUDA(_settings.DeviceId); break;
                    case ExecutionProvider.DirectML: options.AppendExecutionProvider_DML(_settings.DeviceId); break;
                    case ExecutionProvider.CoreML: options.AppendExecutionProvider_CoreML(); break;
                }
            }
            catch (Exception e) when (!(e is InstantIdException))
            {
                options.Dispose();
                throw new InstantIdException($"Could not start the {ResolvedProvider} execution provider: {e.Message}. "
                                             + "Check the GPU driver/CUDA install, or use ExecutionProvider.Cpu.", e);
            }
            return options;
        }

        /// <summary>Loads a model file; out-of-memory becomes <see cref="GpuOutOfMemoryException"/>.</summary>
        public InferenceSession Create(string modelPath)
        {
            using var options = CreateOptions();
            try { return new InferenceSession(modelPath, options); }
            catch (OnnxRuntimeException e) when (IsOutOfMemory(e))
            {
                throw new GpuOutOfMemoryException($"loading {modelPath}", e);
            }
        }

        /// <summary>True for ONNX Runtime's allocation failures (CPU arena or CUDA).</summary>
        public static bool IsOutOfMemory(Exception e)
        {
            var m = e.Message;
            return m.IndexOf("Failed to allocate memory", StringComparison.OrdinalIgnoreCase) >= 0
                   || m.IndexOf("out of memory", StringComparison.OrdinalIgnoreCase) >= 0
                   || m.IndexOf("ALLOC_FAILED", StringComparison.OrdinalIgnoreCase) >= 0
                   || m.IndexOf("bad_alloc", StringComparison.OrdinalIgnoreCase) >= 0;
        }
    }
}
