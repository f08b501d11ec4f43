"""Handwritten solutions: the Write mode's web side (stored ink, recognition runs, the handwritten submit).

Depends one way on grading and classroom; neither imports it. Recognition itself runs in the ocr worker
(tasks.py, queue `ocr`); this app never imports torch.
"""
