using System;
using System.Threading.Tasks;
using InstantIdAvatars.Authoring;
using InstantIdAvatars.Unity;
using UnityEditor;
using UnityEngine;

namespace InstantIdAvatars.Editor
{
    /// <summary>Model-set inspector: validates a folder and lists each model's inputs, outputs and status, the providers, and the problems.</summary>
    sealed class ModelSetInspectorWindow : EditorWindow
    {
        string _folder = "";
        InstantIdSettings? _settings;
        ModelSetReport? _report;
        bool[] _open = Array.Empty<bool>();
        bool _busy;
        string _error = "";
        Vector2 _scroll;

        [MenuItem("Window/InstantID/Model Set Inspector")]
        public static void Open() => GetWindow<ModelSetInspectorWindow>("InstantID Model Set");

        void OnGUI()
        {
            var settings = (InstantIdSettings?)EditorGUILayout.ObjectField("From settings", _settings, typeof(InstantIdSettings), false);
            if (settings != _settings)
            {
                _settings = settings;
                if (settings != null)
                {
                    try { _folder = settings.ModelSetFolder; }
                    catch (InstantIdException e) { _error = e.Message; }
                }
            }
            GUILayout.BeginHorizontal();
            _folder = EditorGUILayout.TextField("Folder", _folder);
            if (GUILayout.Button("Browse…", GUILayout.Width(72)))
            {
                var picked = EditorUtility.OpenFolderPanel("Model set folder", _folder, "");
                if (!string.IsNullOrEmpty(picked)) _folder = picked;
            }
            GUILayout.EndHorizontal();
            GUI.enabled = !_busy && _folder.Length > 0;
            if (GUILayout.Button(_busy ? "Checking (loading every model)…" : "Validate")) Inspect();
            GUI.enabled = true;
            if (_error.Length > 0) EditorGUILayout.HelpBox(_error, MessageType.Error);

            var report = _report;
            if (report == null) return;
            _scroll = EditorGUILayout.BeginScrollView(_scroll);
            EditorGUILayout.LabelField("Set", report.Summary);
            EditorGUILayout.LabelField("Providers", string.Join(", ", report.Providers));
            if (report.IsValid) EditorGUILayout.HelpBox("The model set is valid.", MessageType.Info);
            foreach (var problem in report.Problems) EditorGUILayout.HelpBox(problem, MessageType.Error);
            for (int i = 0; i < report.Rows.Count; i++)
            {
                var row = report.Rows[i];
                _open[i] = EditorGUILayout.Foldout(_open[i], $"{row.Model}   {row.Status}{(row.Required ? "" : " (optional)")}");
                if (!_open[i]) continue;
                foreach (var input in row.Inputs) EditorGUILayout.LabelField("  in", input);
                foreach (var output in row.Outputs) EditorGUILayout.LabelField("  out", output);
                if (row.Inputs.Count == 0 && row.Outputs.Count == 0) EditorGUILayout.LabelField("  ", "inputs and outputs are listed once the whole set is valid");
                foreach (var problem in row.Problems) EditorGUILayout.HelpBox(problem, MessageType.Error);
            }
            EditorGUILayout.EndScrollView();
        }

        // loading every model takes seconds on a real set: off the main thread
        async void Inspect()
        {
            _busy = true;
            _error = "";
            var folder = _folder;
            try
            {
                var report = await Task.Run(() => ModelSetReport.Inspect(folder));
                _report = report;
                _open = new bool[report.Rows.Count];
            }
            catch (Exception e)
            {
                Debug.LogException(e);
                _error = "Could not inspect the folder: " + e.Message;
            }
            finally
            {
                _busy = false;
                Repaint();
            }
        }
    }
}
