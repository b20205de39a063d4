using System.Collections.Generic;
using InstantIdAvatars.Authoring;
using UnityEditor;
using UnityEngine;

namespace InstantIdAvatars.Editor
{
    /// <summary>Small GUI pieces the InstantID windows share (drawing only; the logic is in Runtime/Authoring).</summary>
    static class EditorFields
    {
        /// <summary>Help boxes for the messages of one field (all fields when <paramref name="field"/> is null).</summary>
        public static void Messages(IEnumerable<FieldMessage> messages, string? field = null)
        {
            foreach (var m in messages)
                if (field == null || m.Field == field)
                    EditorGUILayout.HelpBox(m.Text, Type(m.Severity));
        }

        public static MessageType Type(MessageSeverity severity) => severity switch
        {
            MessageSeverity.Error => MessageType.Error,
            MessageSeverity.Warning => MessageType.Warning,
            _ => MessageType.Info,
        };

        /// <summary>An override toggle with the value; unticked shows the effective (preset/default) value greyed out.</summary>
        public static int? OptionalInt(string label, int? value, int effective)
        {
            GUILayout.BeginHorizontal();
            bool on = EditorGUILayout.Toggle(label, value.HasValue, GUILayout.Width(200));
            bool enabled = GUI.enabled;
            GUI.enabled = enabled && on;
            int shown = EditorGUILayout.IntField("", value ?? effective);
            GUI.enabled = enabled;
            GUILayout.EndHorizontal();
            return on ? shown : (int?)null;
        }

        /// <summary>Like <see cref="OptionalInt"/> for a float with a slider range.</summary>
        public static float? OptionalFloat(string label, float? value, float effective, float min, float max)
        {
            GUILayout.BeginHorizontal();
            bool on = EditorGUILayout.Toggle(label, value.HasValue, GUILayout.Width(200));
            bool enabled = GUI.enabled;
            GUI.enabled = enabled && on;
            float shown = EditorGUILayout.Slider("", value ?? effective, min, max);
            GUI.enabled = enabled;
            GUILayout.EndHorizontal();
            return on ? shown : (float?)null;
        }

        /// <summary>A progress bar one line high.</summary>
        public static void Progress(float fraction, string text) =>
            EditorGUI.ProgressBar(EditorGUILayout.GetControlRect(), fraction, text);

        public static System.Numerics.Vector3 ToNumerics(Vector3 v) => new System.Numerics.Vector3(v.x, v.y, v.z);

        public static System.Numerics.Quaternion ToNumerics(Quaternion q) => new System.Numerics.Quaternion(q.x, q.y, q.z, q.w);

        /// <summary>Destroys an editor-owned texture (textures are not garbage collected).</summary>
        public static void Release(ref Texture2D? texture)
        {
            if (texture != null) Object.DestroyImmediate(texture);
            texture = null;
        }
    }
}
