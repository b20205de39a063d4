using InstantIdAvatars.Models;
using InstantIdAvatars.Pipeline;
using UnityEngine;

namespace InstantIdAvatars.Unity
{
    /// <summary>
    /// The model set and how to run it, plus default generation values: one asset shared by every
    /// <see cref="InstantIdAvatar"/> that points at it, which then share one generator (one copy of the models).
    /// </summary>
    [CreateAssetMenu(fileName = "InstantIdSettings", menuName = "InstantID Avatars/Settings")]
    public sealed class InstantIdSettings : ScriptableObject
    {
        [Header("Model set")]
        [Tooltip("Model-set folder: relative to StreamingAssets (e.g. InstantID/sdxl-fp16) or an absolute path.")]
        [SerializeField] string _modelSetPath = "InstantID";
        [Tooltip("Auto tries CUDA, DirectML, CoreML, then CPU (with a logged warning).")]
        [SerializeField] ExecutionProvider _provider = ExecutionProvider.Auto;
        [Tooltip("GPU index for CUDA / DirectML.")]
        [SerializeField, Min(0)] int _deviceId = 0;
        [Tooltip("Load each stage's models only while it runs: lower peak GPU memory, slower requests.")]
        [SerializeField] bool _lowVram = false;

        [Header("Generation defaults")]
        [SerializeField, Range(1, 100)] int _steps = 30;
        [SerializeField, Range(0, 20)] float _guidanceScale = 5f;
        [Tooltip("Strength of the identity tokens in the UNet (IP-Adapter scale).")]
        [SerializeField, Range(0, 1.5f)] float _ipAdapterScale = 0.8f;
        [Tooltip("Strength of IdentityNet (the landmark ControlNet).")]
        [SerializeField, Range(0, 1.5f)] float _identityNetScale = 0.8f;
        [Tooltip("Output size in pixels (multiples of 8); 0 = the model set's default.")]
        [SerializeField, Min(0)] int _width = 0;
        [SerializeField, Min(0)] int _height = 0;

        InstantIdGenerator? _generator;

        public string ModelSetPath { get => _modelSetPath; set => _modelSetPath = value; }

        /// <summary>The model-set folder as an absolute path.</summary>
        public string ModelSetFolder => StreamingAssetsLocation.Resolve(_modelSetPath, Application.streamingAssetsPath, "model set");

        /// <summary>Session options from the asset's provider, device and low-VRAM values.</summary>
        public GeneratorOptions CreateOptions() => new GeneratorOptions
        {
            Sessions = new SessionSettings { Provider = _provider, DeviceId = _deviceId, Log = message => Debug.Log(message) },
            LowVram = _lowVram,
        };

        /// <summary>Writes the asset's generation defaults into a request.</summary>
        public void ApplyDefaults(GenerationRequest request)
        {
            request.Steps = _steps;
            request.GuidanceScale = _guidanceScale;
            request.IpAdapterScale = _ipAdapterScale;
            request.IdentityNetScale = _identityNetScale;
            request.Width = _width;
            request.Height = _height;
        }

        /// <summary>
        /// The shared generator, created on first use (main thread) from the current values; released when the asset
        /// is unloaded or edited, or by <see cref="ReleaseGenerator"/>.
        /// </summary>
        public InstantIdGenerator Generator => _generator ??= new InstantIdGenerator(ModelSetFolder, CreateOptions());

        /// <summary>Cancels the shared generator's requests and frees its models; the next request loads them again.</summary>
        public void ReleaseGenerator()
        {
            _generator?.Dispose();
            _generator = null;
        }

        // an edited provider, path or low-VRAM flag takes effect with the next request
        void OnValidate() => ReleaseGenerator();

        void OnDisable() => ReleaseGenerator();
    }
}
