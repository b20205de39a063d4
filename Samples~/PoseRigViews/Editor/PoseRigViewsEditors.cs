using InstantIdAvatars.Pose;
using InstantIdAvatars.Unity;
using UnityEditor;
using UnityEngine;
using NQuaternion = System.Numerics.Quaternion;
using NVector3 = System.Numerics.Vector3;

namespace InstantIdAvatars.Samples.PoseRigViews.Editor
{
    /// <summary>Scene-view handles for the five anchors of a <see cref="HeadRig"/>.</summary>
    [CustomEditor(typeof(HeadRig))]
    sealed class HeadRigEditor : UnityEditor.Editor
    {
        static readonly string[] Labels = { "0 eye (subject's right)", "1 eye (subject's left)", "2 nose", "3 mouth (right)", "4 mouth (left)" };

        public override void OnInspectorGUI()
        {
            DrawDefaultInspector();
            var rig = (HeadRig)target;
            if (GUILayout.Button("Place Anchors From Head Bone"))
            {
                Undo.RecordObject(rig, "Place head anchors");
                rig.PlaceFromHeadBone();
                EditorUtility.SetDirty(rig);
            }
            if (!rig.IsPlaced) EditorGUILayout.HelpBox("Place the anchors from the head bone, then drag them in the Scene view to fit the face.", MessageType.Info);
        }

        void OnSceneGUI()
        {
            var rig = (HeadRig)target;
            if (!rig.IsPlaced) return;
            var anchors = rig.WorldAnchors.ToArray();
            var rotation = rig.HeadBone.rotation;
            for (int i = 0; i < anchors.Length; i++)
            {
                var position = HeadRig.ToUnity(anchors[i]);
                Handles.Label(position, Labels[i]);
                EditorGUI.BeginChangeCheck();
                var moved = Handles.PositionHandle(position, rotation);
                if (!EditorGUI.EndChangeCheck()) continue;
                Undo.RecordObject(rig, "Move head anchor");
                anchors[i] = HeadRig.ToNumerics(moved);
                rig.SetWorldAnchors(new HeadAnchors(anchors[0], anchors[1], anchors[2], anchors[3], anchors[4]));
                EditorUtility.SetDirty(rig);
            }
        }
    }

    /// <summary>Turntable Capture inspector: capture / cancel buttons and the progress of a running capture.</summary>
    [CustomEditor(typeof(TurntableCapture))]
    sealed class TurntableCaptureEditor : UnityEditor.Editor
    {
        public override void OnInspectorGUI()
        {
            DrawDefaultInspector();
            var capture = (TurntableCapture)target;
            if (capture.IsBusy)
            {
                EditorGUI.ProgressBar(EditorGUILayout.GetControlRect(), capture.Progress, $"Capturing… {capture.Progress:P0}");
                if (GUILayout.Button("Cancel")) capture.Cancel();
                Repaint();
            }
            else if (GUILayout.Button("Capture Turntable"))
            {
                _ = capture.CaptureAsync();
            }
        }
    }

    /// <summary>Adds a Head Rig to the selected character and a camera with a Turntable Capture looking at its face.</summary>
    static class PoseRigViewsSetup
    {
        const float CameraDistance = 0.6f;

        [MenuItem("Tools/InstantID/Samples/Set Up Pose Rig Views On Selection")]
        static void SetUp()
        {
            var character = Selection.activeGameObject;
            if (character == null)
            {
                EditorUtility.DisplayDialog("Pose Rig Views", "Select a character (with a humanoid Animator) in the Hierarchy first.", "OK");
                return;
            }
            var rig = character.GetComponent<HeadRig>();
            if (rig == null) rig = Undo.AddComponent<HeadRig>(character);
            Undo.RecordObject(rig, "Place head anchors");
            rig.PlaceFromHeadBone();

            // a 30° portrait lens in front of the face, looking back at it along the character's forward axis
            var facing = HeadRig.ToNumerics(character.transform.rotation);
            var centre = rig.WorldAnchors.Centroid;
            var cameraObject = new GameObject("Turntable Camera", typeof(Camera));
            Undo.RegisterCreatedObjectUndo(cameraObject, "Set up Pose Rig Views");
            cameraObject.transform.position = HeadRig.ToUnity(centre + NVector3.Transform(new NVector3(0f, 0f, CameraDistance), facing));
            cameraObject.transform.rotation = HeadRig.ToUnity(facing * NQuaternion.CreateFromAxisAngle(NVector3.UnitY, (float)System.Math.PI));
            var camera = cameraObject.GetComponent<Camera>();
            camera.fieldOfView = 30f;
            camera.nearClipPlane = 0.05f;

            var capture = cameraObject.AddComponent<TurntableCapture>();
            var serialized = new SerializedObject(capture);
            serialized.FindProperty("_rig").objectReferenceValue = rig;
            serialized.FindProperty("_camera").objectReferenceValue = camera;
            var settings = AssetDatabase.FindAssets("t:" + nameof(InstantIdSettings));
            if (settings.Length > 0)
                serialized.FindProperty("_settings").objectReferenceValue = AssetDatabase.LoadAssetAtPath<InstantIdSettings>(AssetDatabase.GUIDToAssetPath(settings[0]));
            serialized.ApplyModifiedProperties();
            Selection.activeGameObject = cameraObject;
        }
    }
}
