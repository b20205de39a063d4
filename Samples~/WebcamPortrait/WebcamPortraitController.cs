using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using InstantIdAvatars.Authoring;
using InstantIdAvatars.Pipeline;
using InstantIdAvatars.Unity;
using SixLabors.ImageSharp.PixelFormats;
using UnityEngine;
using UnityEngine.UI;

namespace InstantIdAvatars.Samples.WebcamPortrait
{
    /// <summary>
    /// The in-game portrait flow: live webcam preview → capture → face check with feedback → pick a style →
    /// generate in the background with a progress bar → show and save the portrait (PNG with its settings) under
    /// Application.persistentDataPath. All model work runs on the generator's worker thread; this component only
    /// reacts on the main thread.
    /// </summary>
    [AddComponentMenu("InstantID Avatars/Samples/Webcam Portrait")]
    public sealed class WebcamPortraitController : MonoBehaviour
    {
        [Tooltip("Model set and generation defaults (Create → InstantID Avatars → Settings).")]
        [SerializeField] InstantIdSettings? _settings = null;

        [Header("UI")]
        [Tooltip("Shows the live camera, then the captured photo.")]
        [SerializeField] RawImage? _preview = null;
        [Tooltip("Shows the generated portrait.")]
        [SerializeField] RawImage? _portrait = null;
        // qualified: InstantIdAvatars.Text (the prompt stage) would hide UnityEngine.UI.Text
        [Tooltip("One line of feedback for the player.")]
        [SerializeField] UnityEngine.UI.Text? _status = null;
        [Tooltip("Filled with the built-in styles (GenerationPreset.BuiltIn).")]
        [SerializeField] Dropdown? _style = null;
        [Tooltip("Optional: what the portrait shows; the default prompt is used when empty or unassigned.")]
        [SerializeField] InputField? _prompt = null;
        [SerializeField] Slider? _progress = null;
        [SerializeField] Button? _captureButton = null;
        [SerializeField] Button? _retakeButton = null;
        [SerializeField] Button? _generateButton = null;
        [SerializeField] Button? _saveButton = null;

        [Header("Generation")]
        [SerializeField, TextArea(1, 4)] string _defaultPrompt = "portrait of a person, soft studio light";
        [Tooltip("The face's box must cover at least this share of the frame's shorter side.")]
        [SerializeField, Range(0.05f, 0.9f)] float _minFaceFraction = SampleFaceFeedback.DefaultMinFaceFraction;
        [Tooltip("Folder under Application.persistentDataPath for saved portraits.")]
        [SerializeField] string _saveFolder = "Portraits";

        readonly TextureConversion _conversion = new TextureConversion();
        WebcamCapture? _camera;
        SixLabors.ImageSharp.Image<Rgb24>? _photo;
        Texture2D? _photoTexture;
        Texture2D? _portraitTexture;
        GenerationResult? _result;
        CancellationTokenSource? _work;
        bool _photoUsable;

        void Start()
        {
            if (_style != null)
            {
                _style.ClearOptions();
                _style.AddOptions(GenerationPreset.BuiltIn.Select(p => p.Name).ToList());
                _style.value = 0;
            }
            // explicit != null, not ?.: Unity's unassigned references are "fake null" objects that only == sees
            if (_captureButton != null) _captureButton.onClick.AddListener(Capture);
            if (_retakeButton != null) _retakeButton.onClick.AddListener(Retake);
            if (_generateButton != null) _generateButton.onClick.AddListener(Generate);
            if (_saveButton != null) _saveButton.onClick.AddListener(Save);
            if (_settings == null)
            {
                Show("Assign an InstantID Settings asset to the Webcam Portrait component.");
                return;
            }
            try
            {
                _camera = new WebcamCapture();
            }
            catch (InstantIdException e)
            {
                Show(e.Message);
                return;
            }
            Retake();
        }

        void Update()
        {
            // front cameras on phones and some webcams deliver mirrored frames: flip the live preview to match
            if (_camera != null && _preview != null && _preview.texture == _camera.Texture)
                _preview.uvRect = _camera.Texture.videoVerticallyMirrored ? new Rect(0f, 1f, 1f, -1f) : new Rect(0f, 0f, 1f, 1f);
        }

        /// <summary>Back to the live camera (cancels a running check or generation).</summary>
        public void Retake()
        {
            CancelWork();
            if (_camera == null) return;
            _camera.Play();
            if (_preview != null)
            {
                _preview.texture = _camera.Texture;
                _preview.uvRect = new Rect(0f, 0f, 1f, 1f);
            }
            _photoUsable = false;
            SetProgress(0f);
            Show("Look at the camera and press Capture.");
            UpdateButtons();
        }

        /// <summary>Takes a snapshot and checks it for exactly one large enough face.</summary>
        public void Capture() => _ = CaptureAsync();

        async Task CaptureAsync()
        {
            if (_camera == null || _settings == null || _work != null) return;
            if (!_camera.HasFrame)
            {
                Show("The camera is starting — try again in a moment.");
                return;
            }
            // the previous photo is not disposed: a request cancelled by Retake may still be reading it (the GC frees it)
            _photo = _camera.Snapshot();
            _camera.Stop();
            _photoTexture = _conversion.ToTexture(_photo, _photoTexture);
            if (_preview != null)
            {
                _preview.texture = _photoTexture;
                _preview.uvRect = new Rect(0f, 0f, 1f, 1f);
            }
            var work = BeginWork();
            Show("Checking your face…");
            FaceFeedback feedback;
            try
            {
                // the first check also loads the face models (a second or two)
                var analysis = await _settings.Generator.AnalyzeFacesAsync(_photo, work.Token);
                feedback = SampleFaceFeedback.Evaluate(analysis, _minFaceFraction);
            }
            catch (OperationCanceledException) { return; }
            catch (Exception e) { feedback = SampleFaceFeedback.Evaluate(e); }
            finally { EndWork(work); }
            if (this == null) return;
            _photoUsable = feedback.CanGenerate;
            Show(feedback.Message);
            UpdateButtons();
        }

        /// <summary>Generates a portrait of the captured face in the chosen style.</summary>
        public void Generate() => _ = GenerateAsync();

        async Task GenerateAsync()
        {
            if (_settings == null || _photo == null || !_photoUsable || _work != null) return;
            var preset = GenerationPreset.BuiltIn[Mathf.Clamp(_style != null ? _style.value : 0, 0, GenerationPreset.BuiltIn.Count - 1)];
            var prompt = _prompt != null && !string.IsNullOrWhiteSpace(_prompt.text) ? _prompt.text : _defaultPrompt;
            var request = new GenerationRequest { Prompt = prompt };
            _settings.ApplyDefaults(request);
            preset.ApplyTo(request);
            // the photo stays alive (and unchanged) until the request ends: the worker reads it
            request.FaceImages.Add(_photo);

            var work = BeginWork();
            Show($"Generating ({preset.Name})…");
            // created on the main thread, so reports arrive on it
            var progress = new Progress<GenerationProgress>(p =>
            {
                if (work.IsCancellationRequested) return;
                SetProgress(p.Fraction);
                Show($"Generating ({preset.Name}): {p}");
            });
            try
            {
                var result = await _settings.Generator.GenerateAsync(request, progress, work.Token);
                if (this == null || work.IsCancellationRequested)
                {
                    result.Dispose();
                    return;
                }
                _result?.Dispose();
                _result = result;
                _portraitTexture = _conversion.ToTexture(result.Image, _portraitTexture);
                _portraitTexture.name = $"Portrait seed {result.Seed}";
                if (_portrait != null) _portrait.texture = _portraitTexture;
                SetProgress(1f);
                Show(result.Notes.Count > 0 ? "Done. " + string.Join(" ", result.Notes) : "Done — press Save to keep it.");
            }
            catch (OperationCanceledException) { }
            catch (Exception e)
            {
                Debug.LogException(e, this);
                Show(e.Message);
            }
            finally
            {
                EndWork(work);
                if (this != null) UpdateButtons();
            }
        }

        /// <summary>Saves the portrait as PNG with its generation settings embedded (reproducible).</summary>
        public void Save() => _ = SaveAsync();

        async Task SaveAsync()
        {
            var result = _result;
            if (result == null || _work != null) return;
            var folder = Path.Combine(Application.persistentDataPath, _saveFolder);
            var path = Path.Combine(folder, $"portrait_{DateTime.Now:yyyyMMdd_HHmmss}_seed{result.Seed}.png");
            var work = BeginWork();
            UpdateButtons();
            try
            {
                // PNG encoding of a 1024² image takes long enough to drop frames: off the main thread
                await Task.Run(() =>
                {
                    Directory.CreateDirectory(folder);
                    GenerationMetadata.SavePng(result.Image, result.Settings, path);
                });
                Show("Saved " + path);
            }
            catch (Exception e)
            {
                Debug.LogException(e, this);
                Show("Could not save the portrait: " + e.Message);
            }
            finally
            {
                EndWork(work);
                if (this != null) UpdateButtons();
            }
        }

        CancellationTokenSource BeginWork()
        {
            _work = new CancellationTokenSource();
            UpdateButtons();
            return _work;
        }

        void EndWork(CancellationTokenSource work)
        {
            if (_work == work) _work = null;
            work.Dispose();
        }

        void CancelWork()
        {
            _work?.Cancel();
            _work = null;
        }

        void UpdateButtons()
        {
            bool live = _camera != null && _preview != null && _preview.texture == _camera.Texture;
            bool idle = _work == null;
            if (_captureButton != null) _captureButton.interactable = live && idle;
            if (_retakeButton != null) _retakeButton.interactable = !live;
            if (_generateButton != null) _generateButton.interactable = idle && _photoUsable;
            if (_saveButton != null) _saveButton.interactable = idle && _result != null;
        }

        void SetProgress(float fraction)
        {
            if (_progress != null) _progress.value = fraction;
        }

        void Show(string message)
        {
            if (_status != null) _status.text = message;
        }

        void OnDestroy()
        {
            CancelWork();
            _camera?.Dispose();
            _camera = null;
            // the photo is left to the GC: a cancelled request may still be reading it
            _result?.Dispose();
            _result = null;
            if (_photoTexture != null) Destroy(_photoTexture);
            if (_portraitTexture != null) Destroy(_portraitTexture);
        }
    }
}
