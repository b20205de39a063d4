using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using InstantIdAvatars.Faces;
using InstantIdAvatars.Pipeline;
using InstantIdAvatars.Pose;
using InstantIdAvatars.Unity;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using UnityEngine;

namespace InstantIdAvatars.Samples.PoseRigViews
{
    /// <summary>
    /// A turntable of one identity: the <see cref="HeadRig"/>'s anchors are projected through the camera for each
    /// view of a <see cref="TurntablePlan"/>; each view's landmark map drives a generated image of the face photo
    /// (or profile) in that pose. Writes, into the output folder, every landmark map, every image (PNG with its
    /// settings) and a contact sheet of each. Run it from the component menu (Capture Turntable) in edit or play mode.
    /// </summary>
    [AddComponentMenu("InstantID Avatars/Samples/Turntable Capture")]
    public sealed class TurntableCapture : MonoBehaviour
    {
        [SerializeField] InstantIdSettings? _settings = null;
        [SerializeField] HeadRig? _rig = null;
        [Tooltip("The base view (yaw 0, pitch 0). Its field of view and near plane are used; its aspect follows the output size.")]
        [SerializeField] Camera? _camera = null;

        [Header("Identity (one of)")]
        [Tooltip("Face photo: absolute, or relative to StreamingAssets.")]
        [SerializeField] string _facePhotoPath = "";
        [Tooltip("Identity profile (.iidprofile): absolute, or relative to StreamingAssets.")]
        [SerializeField] string _profilePath = "";

        [Header("Prompt")]
        [SerializeField, TextArea(1, 4)] string _prompt = "portrait photo of a person, studio light, plain background";
        [Tooltip("Built-in preset (portrait, npc-fantasy, …); empty = the settings asset's values.")]
        [SerializeField] string _preset = "portrait";
        [Tooltip("One seed for every view, so the views differ only by pose.")]
        [SerializeField] long _seed = 42;
        [Tooltip("Off: only the landmark maps (fast; check the poses before generating).")]
        [SerializeField] bool _generateImages = true;

        [Header("Turntable")]
        [SerializeField, Range(1, 64)] int _views = 5;
        [Tooltip("Yaw of the first view (degrees; positive = camera toward the subject's right).")]
        [SerializeField] float _startYaw = -60f;
        [Tooltip("Yaw covered; 360 = a full turn without repeating the start.")]
        [SerializeField] float _sweep = 120f;
        [Tooltip("One row of views per camera elevation (degrees, positive = above).")]
        [SerializeField] float[] _pitches = { 0f };
        [SerializeField] TurntableMode _mode = TurntableMode.OrbitCamera;
        [SerializeField, Min(64)] int _width = 1024;
        [SerializeField, Min(64)] int _height = 1024;
        [Tooltip("Output folder: relative to the project folder in the editor, to persistentDataPath in a player.")]
        [SerializeField] string _outputFolder = "InstantID/Turntable";

        CancellationTokenSource? _cancellation;

        /// <summary>True while a capture runs.</summary>
        public bool IsBusy => _cancellation != null;

        /// <summary>0..1 of the running capture.</summary>
        public float Progress { get; private set; }

        /// <summary>The view plan of the current rig and camera (for previews and checks).</summary>
        public TurntablePlan CreatePlan()
        {
            if (_rig == null) throw new InstantIdException($"{name}: assign a Head Rig to the Turntable Capture component.");
            if (_camera == null) throw new InstantIdException($"{name}: assign a Camera to the Turntable Capture component.");
            if (!_rig.IsPlaced) throw new InstantIdException($"{name}: the Head Rig has no anchors yet; use Place Anchors From Head Bone on it.");
            var t = _camera.transform;
            var camera = new PoseCamera(HeadRig.ToNumerics(t.position), HeadRig.ToNumerics(t.rotation), _camera.orthographic,
                _camera.fieldOfView, _camera.orthographicSize, _camera.nearClipPlane, 0f);
            var settings = new TurntableSettings
            {
                ViewCount = _views,
                StartYawDegrees = _startYaw,
                SweepDegrees = _sweep,
                PitchDegrees = _pitches != null && _pitches.Length > 0 ? _pitches.ToArray() : new[] { 0f },
                Mode = _mode,
                OutputWidth = _width,
                OutputHeight = _height,
            };
            return TurntablePlan.Create(_rig.WorldAnchors, camera, settings);
        }

        [ContextMenu("Capture Turntable")]
        void CaptureFromMenu() => _ = CaptureAsync();

        [ContextMenu("Cancel Capture")]
        public void Cancel()
        {
            _cancellation?.Cancel();
        }

        /// <summary>Captures every view; returns the output folder, or null when cancelled or failed (logged).</summary>
        public async Task<string?> CaptureAsync()
        {
            if (_cancellation != null)
            {
                Debug.LogWarning($"{name}: a turntable capture is already running.", this);
                return null;
            }
            var cancellation = new CancellationTokenSource();
            _cancellation = cancellation;
            Progress = 0f;
            var maps = new List<Image<Rgb24>?>();
            var images = new List<Image<Rgb24>?>();
            try
            {
                var plan = CreatePlan();
                var folder = OutputFolder();
                Directory.CreateDirectory(folder);
                var request = _generateImages ? CreateRequest(plan) : null;
                foreach (var view in plan.Views)
                {
                    cancellation.Token.ThrowIfCancellationRequested();
                    foreach (var message in view.Projection.Messages) Debug.LogWarning($"{view.FileName}: {message}", this);
                    if (!view.Projection.IsUsable)
                    {
                        // behind the camera or turned away: no landmark map can describe it
                        maps.Add(null);
                        images.Add(null);
                        continue;
                    }
                    var map = LandmarkMapRenderer.Render(view.Projection.Keypoints.ToArray(), plan.OutputWidth, plan.OutputHeight);
                    maps.Add(map);
                    ContactSheet.SavePng(map, Path.Combine(folder, "landmarks_" + view.FileName));
                    if (request == null) continue;

                    request.PoseKeypoints = InstantIdAvatars.Faces.PoseKeypoints.Flatten(view.Projection.Keypoints.ToArray());
                    int done = view.Index;
                    var progress = new Progress<GenerationProgress>(p => Progress = (done + p.Fraction) / plan.Views.Count);
                    using var result = await _settings!.Generator.GenerateAsync(request, progress, cancellation.Token);
                    GenerationMetadata.SavePng(result.Image, result.Settings, Path.Combine(folder, view.FileName));
                    images.Add(result.Image.Clone());
                    Progress = (view.Index + 1f) / plan.Views.Count;
                }
                var layout = plan.CreateSheetLayout();
                using (var sheet = ContactSheet.Compose(maps, layout))
                    ContactSheet.SavePng(sheet, Path.Combine(folder, "contact_sheet_landmarks.png"));
                if (request != null)
                {
                    using var sheet = ContactSheet.Compose(images, layout);
                    ContactSheet.SavePng(sheet, Path.Combine(folder, "contact_sheet.png"));
                }
                Debug.Log($"{name}: {plan.Views.Count} views written to {folder}", this);
                return folder;
            }
            catch (OperationCanceledException)
            {
                Debug.Log($"{name}: turntable capture cancelled.", this);
                return null;
            }
            catch (Exception e)
            {
                Debug.LogException(e, this);
                return null;
            }
            finally
            {
                foreach (var image in maps.Concat(images)) image?.Dispose();
                if (_cancellation == cancellation) _cancellation = null;
                cancellation.Dispose();
            }
        }

        GenerationRequest CreateRequest(TurntablePlan plan)
        {
            if (_settings == null) throw new InstantIdException($"{name}: assign an InstantID Settings asset to generate images (or turn Generate Images off).");
            var request = new GenerationRequest { Prompt = _prompt };
            _settings.ApplyDefaults(request);
            if (!string.IsNullOrWhiteSpace(_preset)) GenerationPreset.Get(_preset.Trim()).ApplyTo(request);
            // the plan's size wins over the preset's: the keypoints are in its pixels
            request.Width = plan.OutputWidth;
            request.Height = plan.OutputHeight;
            request.Seed = _seed;
            if (!string.IsNullOrWhiteSpace(_facePhotoPath))
                request.FacePhotoPaths.Add(StreamingAssetsLocation.Resolve(_facePhotoPath, Application.streamingAssetsPath, "face photo"));
            else if (!string.IsNullOrWhiteSpace(_profilePath))
                request.ProfilePath = StreamingAssetsLocation.Resolve(_profilePath, Application.streamingAssetsPath, "identity profile");
            else
                throw new InstantIdException($"{name}: set a face photo or an identity profile path on the Turntable Capture component.");
            return request;
        }

        string OutputFolder()
        {
            if (Path.IsPathRooted(_outputFolder)) return _outputFolder;
            var root = Application.isEditor ? Path.GetDirectoryName(Application.dataPath)! : Application.persistentDataPath;
            return Path.GetFullPath(Path.Combine(root, _outputFolder));
        }

        void OnValidate()
        {
            // keypoints are in output pixels and SDXL latents are 1/8 of them
            _width = Mathf.Max(64, _width / 8 * 8);
            _height = Mathf.Max(64, _height / 8 * 8);
        }

        void OnDisable() => Cancel();
    }
}
