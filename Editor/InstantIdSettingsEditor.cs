using System;
using InstantIdAvatars.Models;
using InstantIdAvatars.Unity;
using UnityEditor;
using UnityEngine;

namespace InstantIdAvatars.Editor
{
    /// <summary>Settings inspector with a button that opens the model set and reports what is wrong with it.</summary>
    [CustomEditor(typeof(InstantIdSettings))]
    sealed class InstantIdSettingsEditor : UnityEditor.Editor
    {
        string _report = "";
        MessageType _reportType = MessageType.None;

        public override void OnInspectorGUI()
        {
            DrawDefaultInspector();
            if (GUILayout.Button("Check model set")) Check((InstantIdSettings)target);
            if (_report.Length > 0) EditorGUILayout.HelpBox(_report, _reportType);
        }

        void Check(InstantIdSettings settings)
        {
            try
            {
                // opening checks the index and that every required file is there (loading every model is slow)
                var set = ModelSet.Open(settings.ModelSetFolder);
                _report = $"Model set OK: {set.Folder}\n{set.Index.DType}, default size {set.Index.DefaultWidth}×{set.Index.DefaultHeight}"
                          + (set.ExtraControlNets.Count > 0 ? ", extra ControlNets: " + string.Join(", ", set.ExtraControlNets) : "");
                _reportType = MessageType.Info;
            }
            catch (InstantIdException e)
            {
                _report = e.Message;
                _reportType = MessageType.Error;
            }
        }
    }
}
