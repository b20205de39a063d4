using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using InstantIdAvatars.Authoring;
using InstantIdAvatars.Pose;
using InstantIdAvatars.Unity;
using UnityEditor;
using UnityEngine;

namespace InstantIdAvatars.Editor
{
    /// <summary>
    /// Pose-rig window: a head transform and a camera from the scene drive a live landmark-map preview; capture
    /// the pose and send it to the generator window, or run a turntable of views into Assets.
    /// </summary>
    sealed class PoseRigCaptureWindow : EditorWindow
    {
        const int PreviewSide = 256;

        readonly PoseCaptureSession _pose = new PoseCaptureSession();
        readonly TextureConversion _textures = new TextureConversion();
        Transform? _head;
        Camera? _camera;
        float _headScale = 1f;
        Texture2D? _preview;
        IReadOnlyList<FieldMessage> _messages = Array.Empty<FieldMessage>();
        PoseCapture? _captured;
        Texture2D? _capturedTexture;

        // turntable
        int _views = 8;
        float _startYaw;
        float _sweep = 360f;
        string _pitches = "0";
        TurntableMode _mode = TurntableMode.OrbitCamera;
        CancellationTokenSource? _cancel;
        TurntableBatchProgress? _progress;
        string _status = "";
        MessageType _statusType = MessageType.None;
        Vector2 _scroll;
        bool _closed;

        [MenuItem("Window/InstantID/Pose Rig Capture")]
        public static void Open() => GetWindow<PoseRigCaptureWindow>("InstantID Pose Rig");

        void OnDisable()
        {
            _closed = true;
            _cancel?.Cancel();
            _captured?.Dispose();
            _captured = null;
            EditorFields.Release(ref _preview);
            EditorFields.Release(ref _capturedTexture);
        }

        // ~10 times a second: follow the rig and camera as they are moved in the scene
        void OnInspectorUpdate()
        {
            if (!Sync()) return;
            try
            {
                using var preview = _pose.Preview(PreviewSide);
                _messages = preview.Messages;
                if (preview.LandmarkMap != null) _preview = _textures.ToTexture(preview.LandmarkMap, _preview);
                else EditorFields.Release(ref _preview);
            }
            catch (InstantIdException e)
            {
                _messages = new[] { new FieldMessage(GeneratorField.Pose, MessageSeverity.Error, e.Message) };
            }
            Repaint();
        }

        bool Sync()
        {
            if (_head == null || _camera == null) return false;
            _pose.Anchors = HeadAnchors.FromHeadBone(EditorFields.ToNumerics(_head.position), EditorFields.ToNumerics(_head.rotation), _headScale);
            var cam = _camera.transform;
            var position = EditorFields.ToNumerics(cam.position);
            var rotation = EditorFields.ToNumerics(cam.rotation);
            // aspect 0: the camera renders into the output size, as a Camera with a render texture does
            _pose.Camera = _camera.orthographic
                ? PoseCamera.CreateOrthographic(position, rotation, _camera.orthographicSize, _camera.nearClipPlane)
                : PoseCamera.Perspective(position, rotation, _camera.fieldOfView, _camera.nearClipPlane);
            return true;
        }

        void OnGUI()
        {
            _scroll = EditorGUILayout.BeginScrollView(_scroll);
            _head = (Transform?)EditorGUILayout.ObjectField("Head bone", _head, typeof(Transform), true);
            _headScale = EditorGUILayout.FloatField("Head scale (1 = adult)", _headScale);
            _camera = (Camera?)EditorGUILayout.ObjectField("Camera", _camera, typeof(Camera), true);
            _pose.Width = EditorGUILayout.IntField("Output width", _pose.Width);
            _pose.Height = EditorGUILayout.IntField("Output height", _pose.Height);
            if (_head == null || _camera == null)
            {
                EditorGUILayout.HelpBox("Pick the character's head transform (facing +Z, as Unity rigs do) and the camera that frames it.", MessageType.Info);
                EditorGUILayout.EndScrollView();
                return;
            }

            if (_preview != null) GUILayout.Label(_preview, GUILayout.Width(_preview.width), GUILayout.Height(_preview.height));
            EditorFields.Messages(_messages);

            GUILayout.BeginHorizontal();
            if (GUILayout.Button("Capture")) Capture();
            GUI.enabled = _captured != null && _captured.IsUsable;
            if (GUILayout.Button("Send to generator")) SendToGenerator();
            GUI.enabled = true;
            GUILayout.EndHorizontal();
            if (_captured != null)
            {
                EditorGUILayout.LabelField("Captured", $"{_captured.Width}×{_captured.Height}, keypoints {string.Join(", ", _captured.KeypointArray().Select(v => v.ToString("0.#")))}");
                if (_capturedTexture != null) GUILayout.Label(_capturedTexture, GUILayout.Width(128), GUILayout.Height(128f * _captured.Height / _captured.Width));
            }

            DrawTurntable();
            if (_status.Length > 0) EditorGUILayout.HelpBox(_status, _statusType);
            EditorGUILayout.EndScrollView();
        }

        void Capture()
        {
            if (!Sync()) return;
            try
            {
                _captured?.Dispose();
                _captured = _pose.Capture();
                if (_captured.LandmarkMap != null) _capturedTexture = _textures.ToTexture(_captured.LandmarkMap, _capturedTexture);
                SetStatus(_captured.IsUsable ? "Pose captured." : "This pose cannot drive a generation; see the messages above.",
                    _captured.IsUsable ? MessageType.Info : MessageType.Error);
            }
            catch (InstantIdException e) { SetStatus(e.Message, MessageType.Error); }
        }

        void SendToGenerator()
        {
            if (_captured == null) return;
            var generator = GetWindow<InstantIdGeneratorWindow>("InstantID Generator");
            try { generator.Generate(_captured.ToRequest(generator.Session)); }
            catch (InstantIdException e) { SetStatus(e.Message, MessageType.Error); }
        }

        void DrawTurntable()
        {
            EditorGUILayout.LabelField("Turntable");
            _views = EditorGUILayout.IntSlider("Views", _views, 1, 64);
            _startYaw = EditorGUILayout.FloatField("Start yaw (°)", _startYaw);
            _sweep = EditorGUILayout.FloatField("Sweep (°)", _sweep);
            _pitches = EditorGUILayout.TextField("Pitches (°)", _pitches);
            _mode = (TurntableMode)EditorGUILayout.EnumPopup("Mode", _mode);
            GUILayout.BeginHorizontal();
            GUI.enabled = _cancel == null;
            if (GUILayout.Button("Run turntable")) RunTurntable();
            GUI.enabled = _cancel != null;
            if (GUILayout.Button("Cancel", GUILayout.Width(80))) _cancel?.Cancel();
            GUI.enabled = true;
            GUILayout.EndHorizontal();
            if (_cancel != null) EditorFields.Progress(_progress?.Fraction ?? 0f, _progress?.ToString() ?? "Starting…");
        }

        async void RunTurntable()
        {
            if (!Sync()) return;
            var generator = GetWindow<InstantIdGeneratorWindow>("InstantID Generator");
            if (generator.Settings == null) { SetStatus("Pick an InstantID settings asset in the generator window first.", MessageType.Error); return; }
            var cancel = _cancel = new CancellationTokenSource();
            var progress = new Progress<TurntableBatchProgress>(p =>
            {
                _progress = p;
                if (!_closed) Repaint();
            });
            try
            {
                var plan = _pose.PlanTurntable(new TurntableSettings
                {
                    ViewCount = _views,
                    StartYawDegrees = _startYaw,
                    SweepDegrees = _sweep,
                    PitchDegrees = PoseCaptureSession.ParseAngleList(_pitches),
                    Mode = _mode,
                });
                var batch = new TurntableBatch(plan, generator.Session.BuildRequest());
                var folder = TurntableBatch.SuggestFolder(generator.AssetsFolder, batch.Seed, DateTime.Now);
                SetStatus($"Generating {batch.Views.Count} views into {folder}" + Skipped(batch.Skipped), MessageType.Info);
                var result = await batch.RunAsync(generator.Settings.Generator, folder, progress, cancel.Token);
                AssetDatabase.Refresh();
                SetStatus($"Wrote {result.ImagePaths.Count} views and {result.ContactSheetPath} (seed {result.Seed})" + Skipped(result.Skipped),
                    result.Skipped.Count > 0 ? MessageType.Warning : MessageType.Info);
            }
            catch (OperationCanceledException) { SetStatus("Turntable cancelled; nothing was written.", MessageType.Info); }
            catch (InstantIdException e) { SetStatus(e.Message, MessageType.Error); }
            catch (Exception e)
            {
                Debug.LogException(e);
                SetStatus("Turntable failed: " + e.Message, MessageType.Error);
            }
            finally
            {
                cancel.Dispose();
                _cancel = null;
                _progress = null;
                if (!_closed) Repaint();
            }
        }

        static string Skipped(IReadOnlyList<SkippedView> skipped) =>
            skipped.Count == 0 ? "." : $"; skipped {skipped.Count}:\n" + string.Join("\n", skipped.Select(s => s.ToString()));

        void SetStatus(string text, MessageType type)
        {
            _status = text;
            _statusType = type;
        }
    }
}
