using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using InstantIdAvatars.Authoring;
using InstantIdAvatars.Pipeline;
using InstantIdAvatars.Unity;
using UnityEditor;
using UnityEngine;

namespace InstantIdAvatars.Editor
{
    /// <summary>
    /// Generator window: identity, prompt, preset and overrides (a <see cref="GeneratorSession"/>), Generate/Cancel
    /// with a progress bar, and a gallery whose images can be saved into Assets with their settings.
    /// </summary>
    sealed class InstantIdGeneratorWindow : EditorWindow
    {
        const string SessionKey = "InstantIdAvatars.GeneratorSession";
        const string FolderKey = "InstantIdAvatars.GeneratorFolder";
        const int ThumbnailSize = 96;

        GeneratorSession _session = new GeneratorSession();
        readonly GenerationGallery _gallery = new GenerationGallery();
        readonly TextureConversion _textures = new TextureConversion();
        readonly Dictionary<int, Texture2D> _thumbnails = new Dictionary<int, Texture2D>();
        InstantIdSettings? _settings;
        CancellationTokenSource? _cancel;
        GenerationProgress? _progress;
        Texture2D? _preview;
        string _status = "";
        MessageType _statusType = MessageType.None;
        GalleryEntry? _selected;
        string _assetsFolder = "Assets/InstantID";
        Vector2 _scroll, _galleryScroll;
        bool _closed;

        [MenuItem("Window/InstantID/Generator")]
        public static void Open() => GetWindow<InstantIdGeneratorWindow>("InstantID Generator");

        /// <summary>The form (the pose-rig window builds its requests from it).</summary>
        internal GeneratorSession Session => _session;

        /// <summary>The settings asset whose generator runs the requests, or null.</summary>
        internal InstantIdSettings? Settings => _settings;

        /// <summary>Where saved images and turntables go.</summary>
        internal string AssetsFolder => _assetsFolder;

        internal bool IsBusy => _cancel != null;

        void OnEnable()
        {
            try { _session = GeneratorSession.FromJson(EditorPrefs.GetString(SessionKey, "")); }
            catch (InstantIdException) { _session = new GeneratorSession(); }
            _assetsFolder = EditorPrefs.GetString(FolderKey, _assetsFolder);
        }

        void OnDisable()
        {
            _closed = true;
            EditorPrefs.SetString(SessionKey, _session.ToJson());
            EditorPrefs.SetString(FolderKey, _assetsFolder);
            _cancel?.Cancel();
            foreach (var t in _thumbnails.Values) UnityEngine.Object.DestroyImmediate(t);
            _thumbnails.Clear();
            EditorFields.Release(ref _preview);
            _gallery.Dispose();
        }

        void OnGUI()
        {
            _scroll = EditorGUILayout.BeginScrollView(_scroll);
            _settings = (InstantIdSettings?)EditorGUILayout.ObjectField("Settings (model set)", _settings, typeof(InstantIdSettings), false);
            if (_settings == null) EditorGUILayout.HelpBox("Pick an InstantID settings asset: it names the model set and runs the generator.", MessageType.Info);

            var messages = _session.Validate();
            DrawIdentity(messages);
            DrawPrompt(messages);
            DrawSettings(messages);
            DrawGenerate(messages);
            DrawGallery();
            EditorGUILayout.EndScrollView();
        }

        void DrawIdentity(IReadOnlyList<FieldMessage> messages)
        {
            EditorGUILayout.LabelField("Identity");
            _session.Source = (IdentitySource)EditorGUILayout.EnumPopup("Source", _session.Source);
            if (_session.Source == IdentitySource.Photos)
            {
                for (int i = 0; i < _session.PhotoPaths.Count; i++)
                {
                    GUILayout.BeginHorizontal();
                    _session.PhotoPaths[i] = EditorGUILayout.TextField("Photo " + (i + 1), _session.PhotoPaths[i]);
                    if (GUILayout.Button("Remove", GUILayout.Width(64))) { _session.PhotoPaths.RemoveAt(i); GUILayout.EndHorizontal(); break; }
                    GUILayout.EndHorizontal();
                }
                if (GUILayout.Button("Add face photo…"))
                {
                    var path = EditorUtility.OpenFilePanel("Face photo", "", "png,jpg,jpeg");
                    if (!string.IsNullOrEmpty(path)) _session.PhotoPaths.Add(path);
                }
                if (_session.PhotoPaths.Count > 1)
                    _session.Combine = (InstantIdAvatars.Faces.MultiReferenceMode)EditorGUILayout.EnumPopup("Combine photos", _session.Combine);
            }
            else
            {
                GUILayout.BeginHorizontal();
                _session.ProfilePath = EditorGUILayout.TextField("Profile", _session.ProfilePath);
                if (GUILayout.Button("Browse…", GUILayout.Width(72)))
                {
                    var path = EditorUtility.OpenFilePanel("Identity profile", "", "iidprofile");
                    if (!string.IsNullOrEmpty(path)) _session.ProfilePath = path;
                }
                GUILayout.EndHorizontal();
            }
            EditorFields.Messages(messages, GeneratorField.Identity);
        }

        void DrawPrompt(IReadOnlyList<FieldMessage> messages)
        {
            EditorGUILayout.LabelField("Prompt");
            _session.Prompt = EditorGUILayout.TextArea(_session.Prompt, GUILayout.Height(48));
            EditorFields.Messages(messages, GeneratorField.Prompt);
            bool ownNegative = EditorGUILayout.Toggle("Own negative prompt", _session.NegativePrompt != null);
            if (ownNegative) _session.NegativePrompt = EditorGUILayout.TextArea(_session.NegativePrompt ?? "", GUILayout.Height(32));
            else _session.NegativePrompt = null;

            var names = new[] { "(none)" }.Concat(_session.Presets.Select(p => p.Name)).ToArray();
            int index = Array.FindIndex(names, n => string.Equals(n, _session.PresetName, StringComparison.OrdinalIgnoreCase));
            index = EditorGUILayout.Popup("Preset", Math.Max(index, 0), names);
            _session.PresetName = index == 0 ? "" : names[index];
            EditorFields.Messages(messages, GeneratorField.Preset);
        }

        void DrawSettings(IReadOnlyList<FieldMessage> messages)
        {
            var effective = _session.PreviewRequest();
            GUILayout.BeginHorizontal();
            _session.RandomSeed = EditorGUILayout.Toggle("Random seed", _session.RandomSeed, GUILayout.Width(200));
            if (!_session.RandomSeed) _session.Seed = EditorGUILayout.LongField("", _session.Seed);
            GUILayout.EndHorizontal();
            EditorFields.Messages(messages, GeneratorField.Seed);

            _session.Steps = EditorFields.OptionalInt("Steps", _session.Steps, effective.Steps);
            EditorFields.Messages(messages, GeneratorField.Steps);
            _session.GuidanceScale = EditorFields.OptionalFloat("Guidance (CFG)", _session.GuidanceScale, effective.GuidanceScale, 0f, 20f);
            EditorFields.Messages(messages, GeneratorField.Guidance);
            _session.IpAdapterScale = EditorFields.OptionalFloat("IP-Adapter scale", _session.IpAdapterScale, effective.IpAdapterScale, 0f, 1.5f);
            EditorFields.Messages(messages, GeneratorField.IpAdapterScale);
            _session.IdentityNetScale = EditorFields.OptionalFloat("IdentityNet scale", _session.IdentityNetScale, effective.IdentityNetScale, 0f, 1.5f);
            EditorFields.Messages(messages, GeneratorField.IdentityNetScale);
            _session.IdentityNetStart = EditorFields.OptionalFloat("IdentityNet start", _session.IdentityNetStart, effective.IdentityNetStart, 0f, 1f);
            _session.IdentityNetEnd = EditorFields.OptionalFloat("IdentityNet end", _session.IdentityNetEnd, effective.IdentityNetEnd, 0f, 1f);
            EditorFields.Messages(messages, GeneratorField.IdentityNetWindow);
            _session.Width = EditorFields.OptionalInt("Width", _session.Width, effective.Width);
            _session.Height = EditorFields.OptionalInt("Height", _session.Height, effective.Height);
            EditorFields.Messages(messages, GeneratorField.Size);

            var schedulers = new[] { "(preset / model set)" }.Concat(GeneratorSession.KnownSchedulers).ToArray();
            int s = Array.IndexOf(schedulers, _session.Scheduler ?? "");
            s = EditorGUILayout.Popup("Scheduler", Math.Max(s, 0), schedulers);
            _session.Scheduler = s == 0 ? null : schedulers[s];
            EditorFields.Messages(messages, GeneratorField.Scheduler);
        }

        void DrawGenerate(IReadOnlyList<FieldMessage> messages)
        {
            GUILayout.BeginHorizontal();
            GUI.enabled = _settings != null && !IsBusy && !messages.Any(m => m.IsError);
            if (GUILayout.Button("Generate")) Generate(null);
            GUI.enabled = IsBusy;
            if (GUILayout.Button("Cancel", GUILayout.Width(80))) _cancel?.Cancel();
            GUI.enabled = true;
            GUILayout.EndHorizontal();
            if (IsBusy) EditorFields.Progress(_progress?.Fraction ?? 0f, _progress?.ToString() ?? "Starting…");
            if (_preview != null && IsBusy) GUILayout.Label(_preview, GUILayout.Width(128), GUILayout.Height(128));
            if (_status.Length > 0) EditorGUILayout.HelpBox(_status, _statusType);
        }

        /// <summary>Queues the form's request, or <paramref name="request"/> (e.g. posed by the rig window) when given.</summary>
        internal async void Generate(GenerationRequest? request)
        {
            if (_settings == null) { SetStatus("Pick an InstantID settings asset first.", MessageType.Error); return; }
            if (IsBusy) { SetStatus("A generation is running; wait or cancel it.", MessageType.Warning); return; }
            var cancel = _cancel = new CancellationTokenSource();
            // created on the main thread, so reports arrive there
            var progress = new Progress<GenerationProgress>(p =>
            {
                _progress = p;
                if (p.Preview != null && !_closed) _preview = _textures.ToTexture(p.Preview, _preview);
                Repaint();
            });
            try
            {
                request ??= _session.BuildRequest();
                request.Previews = true; // latent previews in the window while it denoises
                SetStatus("", MessageType.None);
                var result = await _settings.Generator.GenerateAsync(request, progress, cancel.Token);
                if (_closed) { result.Dispose(); return; }
                _selected = _gallery.Add(result);
                SetStatus($"Done: seed {result.Seed}. " + string.Join(" ", result.Notes), MessageType.Info);
            }
            catch (OperationCanceledException) { SetStatus("Cancelled.", MessageType.Info); }
            catch (InstantIdException e) { SetStatus(e.Message, MessageType.Error); }
            catch (Exception e)
            {
                Debug.LogException(e);
                SetStatus("Generation failed: " + e.Message, MessageType.Error);
            }
            finally
            {
                cancel.Dispose();
                _cancel = null;
                _progress = null;
                if (!_closed) Repaint();
            }
        }

        void SetStatus(string text, MessageType type)
        {
            _status = text;
            _statusType = type;
        }

        void DrawGallery()
        {
            if (_gallery.Count == 0) return;
            EditorGUILayout.LabelField("Gallery", _gallery.Count + " of " + _gallery.Capacity);
            _galleryScroll = EditorGUILayout.BeginScrollView(_galleryScroll, GUILayout.Height(ThumbnailSize + 24));
            GUILayout.BeginHorizontal();
            foreach (var entry in _gallery.Entries.Reverse())
                if (GUILayout.Button(Thumbnail(entry), GUILayout.Width(ThumbnailSize), GUILayout.Height(ThumbnailSize))) _selected = entry;
            GUILayout.EndHorizontal();
            EditorGUILayout.EndScrollView();
            ForgetDropped();

            var selected = _selected;
            if (selected == null || !_gallery.Entries.Contains(selected)) return;
            GUILayout.Label(Thumbnail(selected), GUILayout.Width(384), GUILayout.Height(384f * selected.Image.Height / selected.Image.Width));
            EditorGUILayout.SelectableLabel(selected.SettingsText, GUILayout.Height(64));
            EditorGUILayout.LabelField("Timings", selected.TimingsText);
            foreach (var note in selected.Notes) EditorGUILayout.HelpBox(note, MessageType.Info);
            if (selected.SavedPath != null) EditorGUILayout.LabelField("Saved", selected.SavedPath);

            GUILayout.BeginHorizontal();
            _assetsFolder = EditorGUILayout.TextField("Save into", _assetsFolder);
            if (GUILayout.Button("Save", GUILayout.Width(64)))
            {
                try
                {
                    var path = _gallery.SaveToAssets(selected, _assetsFolder);
                    AssetDatabase.Refresh();
                    SetStatus("Saved " + path, MessageType.Info);
                }
                catch (InstantIdException e) { SetStatus(e.Message, MessageType.Error); }
            }
            if (GUILayout.Button("Reuse seed", GUILayout.Width(96)))
            {
                _session.RandomSeed = false;
                _session.Seed = selected.Seed;
            }
            GUILayout.EndHorizontal();
        }

        Texture2D Thumbnail(GalleryEntry entry)
        {
            if (!_thumbnails.TryGetValue(entry.Id, out var texture))
                _thumbnails[entry.Id] = texture = _textures.ToTexture(entry.Image);
            return texture;
        }

        // the gallery drops its oldest images; their textures go too
        void ForgetDropped()
        {
            var alive = new HashSet<int>(_gallery.Entries.Select(e => e.Id));
            foreach (var id in _thumbnails.Keys.Where(id => !alive.Contains(id)).ToArray())
            {
                UnityEngine.Object.DestroyImmediate(_thumbnails[id]);
                _thumbnails.Remove(id);
            }
        }
    }
}
