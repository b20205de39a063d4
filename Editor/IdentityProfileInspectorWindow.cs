using System;
using System.Globalization;
using InstantIdAvatars.Authoring;
using InstantIdAvatars.Unity;
using UnityEditor;
using UnityEngine;

namespace InstantIdAvatars.Editor
{
    /// <summary>Identity-profile inspector: thumbnail, per-photo rows, the photos' similarity matrix and outliers.</summary>
    sealed class IdentityProfileInspectorWindow : EditorWindow
    {
        const float Cell = 56f;

        readonly TextureConversion _textures = new TextureConversion();
        string _path = "";
        ProfileReport? _report;
        Texture2D? _thumbnail;
        string _error = "";
        Vector2 _scroll;

        [MenuItem("Window/InstantID/Identity Profile Inspector")]
        public static void Open() => GetWindow<IdentityProfileInspectorWindow>("InstantID Profile");

        void OnDisable() => EditorFields.Release(ref _thumbnail);

        void OnGUI()
        {
            GUILayout.BeginHorizontal();
            _path = EditorGUILayout.TextField("Profile", _path);
            if (GUILayout.Button("Browse…", GUILayout.Width(72)))
            {
                var picked = EditorUtility.OpenFilePanel("Identity profile", "", "iidprofile");
                if (!string.IsNullOrEmpty(picked)) { _path = picked; Load(); }
            }
            if (GUILayout.Button("Load", GUILayout.Width(56))) Load();
            GUILayout.EndHorizontal();
            if (_error.Length > 0) EditorGUILayout.HelpBox(_error, MessageType.Error);

            var report = _report;
            if (report == null) return;
            _scroll = EditorGUILayout.BeginScrollView(_scroll);
            GUILayout.BeginHorizontal();
            if (_thumbnail != null) GUILayout.Label(_thumbnail, GUILayout.Width(96), GUILayout.Height(96));
            GUILayout.BeginVertical();
            EditorGUILayout.LabelField("Name", report.Name);
            EditorGUILayout.LabelField("Created (UTC)", report.CreatedUtc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
            EditorGUILayout.LabelField("Photos", report.Count.ToString(CultureInfo.InvariantCulture));
            if (report.Notes.Length > 0) EditorGUILayout.LabelField("Notes", report.Notes);
            GUILayout.EndVertical();
            GUILayout.EndHorizontal();
            EditorFields.Messages(report.Messages);

            EditorGUILayout.LabelField("Photos", "size · detector score · faces · similarity to mean");
            foreach (var row in report.Photos)
                EditorGUILayout.LabelField((row.IsOutlier ? "⚠ " : "") + row.Label,
                    $"{row.SizeText} · {F(row.DetectionScore)} · {row.FacesFound} · {F(row.SimilarityToMean)}");

            EditorGUILayout.LabelField("Similarity (cosine)", "outliers: similarity to mean < " + F(ProfileReport.OutlierThreshold));
            GUILayout.BeginHorizontal();
            GUILayout.Label("", GUILayout.Width(Cell));
            for (int j = 0; j < report.Count; j++) GUILayout.Label((j + 1).ToString(CultureInfo.InvariantCulture), GUILayout.Width(Cell));
            GUILayout.EndHorizontal();
            for (int i = 0; i < report.Count; i++)
            {
                GUILayout.BeginHorizontal();
                GUILayout.Label((i + 1).ToString(CultureInfo.InvariantCulture), GUILayout.Width(Cell));
                for (int j = 0; j < report.Count; j++) GUILayout.Label(F(report.Similarity(i, j)), GUILayout.Width(Cell));
                GUILayout.EndHorizontal();
            }
            EditorGUILayout.EndScrollView();
        }

        void Load()
        {
            _error = "";
            _report = null;
            EditorFields.Release(ref _thumbnail);
            try
            {
                _report = ProfileReport.Load(_path);
                using var image = _report.LoadThumbnail();
                if (image != null) _thumbnail = _textures.ToTexture(image);
            }
            catch (InstantIdException e) { _error = e.Message; }
        }

        static string F(float v) => v.ToString("0.00", CultureInfo.InvariantCulture);
    }
}
