using System;
using System.Threading;
using System.Threading.Tasks;
using InstantIdAvatars.Pipeline;
using UnityEngine;
using UnityEngine.Events;

namespace InstantIdAvatars.Unity
{
    /// <summary>
    /// Generates a portrait of one person: a face photo (or a saved identity profile) plus a prompt in, a
    /// texture out. Work runs on the generator's worker thread; events fire on the main thread.
    /// </summary>
    [DisallowMultipleComponent]
    [AddComponentMenu("InstantID Avatars/InstantID Avatar")]
    public sealed class InstantIdAvatar : MonoBehaviour
    {
        [Serializable] public sealed class ProgressEvent : UnityEvent<float> { }
        [Serializable] public sealed class TextureEvent : UnityEvent<Texture2D> { }
        [Serializable] public sealed class ErrorEvent : UnityEvent<string> { }

        [SerializeField] InstantIdSettings? _settings = null;

        [Header("Identity (one of)")]
        [Tooltip("Face photo file (absolute, or relative to StreamingAssets).")]
        [SerializeField] string _facePhotoPath = "";
        [Tooltip("Identity profile (.iidprofile, absolute or relative to StreamingAssets); used when no photo is set.")]
        [SerializeField] string _profilePath = "";

        [Header("Prompt")]
        [SerializeField, TextArea(2, 6)] string _prompt = "portrait photo of a person, soft light, detailed";
        [SerializeField, TextArea(1, 4)] string _negativePrompt = "";
        [Tooltip("Seed of the initial noise; negative = a new random seed each time.")]
        [SerializeField] long _seed = -1;
        [Tooltip("Off: every result is written into the same texture. On: each result is a new texture the listener owns.")]
        [SerializeField] bool _newTexturePerResult = false;

        [Header("Events")]
        [SerializeField] ProgressEvent _onProgress = new ProgressEvent();
        [SerializeField] TextureEvent _onDone = new TextureEvent();
        [SerializeField] ErrorEvent _onError = new ErrorEvent();

        readonly TextureConversion _conversion = new TextureConversion();
        CancellationTokenSource? _cancellation;
        Texture2D? _texture;

        public string Prompt { get => _prompt; set => _prompt = value; }
        public string NegativePrompt { get => _negativePrompt; set => _negativePrompt = value; }
        public long Seed { get => _seed; set => _seed = value; }
        public string FacePhotoPath { get => _facePhotoPath; set => _facePhotoPath = value; }
        public string ProfilePath { get => _profilePath; set => _profilePath = value; }
        public ProgressEvent OnProgress => _onProgress;
        public TextureEvent OnDone => _onDone;
        public ErrorEvent OnError => _onError;

        /// <summary>True while a request of this component is queued or running.</summary>
        public bool IsBusy => _cancellation != null;

        /// <summary>Starts a generation (cancelling this component's previous one). For UI buttons and scripts.</summary>
        public void Generate() => _ = GenerateAsync();

        /// <summary>Cancels the running request; no event fires for it.</summary>
        public void Cancel()
        {
            _cancellation?.Cancel();
            _cancellation = null;
        }

        /// <summary>Generates and returns the texture (also sent to OnDone); null when cancelled or failed (OnError says why).</summary>
        public async Task<Texture2D?> GenerateAsync()
        {
            Cancel();
            var cancellation = new CancellationTokenSource();
            _cancellation = cancellation;
            try
            {
                if (_settings == null) throw new InstantIdException($"{name}: assign an InstantID settings asset to the InstantID Avatar component.");
                var request = CreateRequest(_settings);
                // created here on the main thread, so reports are posted back to it
                var progress = new Progress<GenerationProgress>(p =>
                {
                    if (!cancellation.IsCancellationRequested) _onProgress.Invoke(p.Fraction);
                });
                using var result = await _settings.Generator.GenerateAsync(request, progress, cancellation.Token);
                if (cancellation.IsCancellationRequested || this == null) return null;
                var texture = _conversion.ToTexture(result.Image, _newTexturePerResult ? null : _texture);
                if (!_newTexturePerResult) _texture = texture;
                texture.name = $"InstantID seed {result.Seed}";
                _onDone.Invoke(texture);
                return texture;
            }
            catch (OperationCanceledException) { return null; }
            catch (Exception e)
            {
                if (cancellation.IsCancellationRequested || this == null) return null;
                Debug.LogException(e, this);
                _onError.Invoke(e.Message);
                return null;
            }
            finally
            {
                if (_cancellation == cancellation) _cancellation = null;
                cancellation.Dispose();
            }
        }

        GenerationRequest CreateRequest(InstantIdSettings settings)
        {
            var request = new GenerationRequest { Prompt = _prompt, NegativePrompt = _negativePrompt };
            settings.ApplyDefaults(request);
            if (_seed >= 0) request.Seed = _seed;
            if (!string.IsNullOrWhiteSpace(_facePhotoPath))
                request.FacePhotoPaths.Add(StreamingAssetsLocation.Resolve(_facePhotoPath, Application.streamingAssetsPath, "face photo"));
            else if (!string.IsNullOrWhiteSpace(_profilePath))
                request.ProfilePath = StreamingAssetsLocation.Resolve(_profilePath, Application.streamingAssetsPath, "identity profile");
            else
                throw new InstantIdException($"{name}: set a face photo path or an identity profile path on the InstantID Avatar component.");
            return request;
        }

        void OnDestroy()
        {
            Cancel();
            if (_texture != null) Destroy(_texture);
        }
    }
}
